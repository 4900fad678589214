package io.streamfit.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SnapshotCodecTest {
    static final ModelSpec SPEC = SpecParser.parse("""
            id: snap
            topic: t
            input_width: 5
            task: {type: classification, classes: 3}
            layers: [{type: dense, units: 6}, {type: layer_norm}, {type: tanh}, {type: dense, units: 3}]
            optimizer: {type: adam, lr: 0.01, amsgrad: true}
            batch_size: 4
            seed: 3
            """);

    static ModelState trained(int steps) {
        return trainedWith(SPEC, steps);
    }

    static ModelState trainedWith(ModelSpec spec, int steps) {
        ModelState s = ModelState.fresh(spec);
        SplitMix64 rng = new SplitMix64(1);
        for (int i = 0; i < steps; i++) {
            float[] x = new float[4 * 5];
            float[] y = new float[4];
            for (int k = 0; k < x.length; k++) {
                x[k] = (float) rng.nextGaussian();
            }
            for (int k = 0; k < 4; k++) {
                y[k] = (float) Math.floorMod(rng.nextLong(), 3L);
            }
            s.train(new Batch(4, 5, x, 1, y));
        }
        return s;
    }

    @Test
    void roundTripIsBitwise() throws Exception {
        ModelState s = trained(7);
        byte[] file = SnapshotCodec.encode(s, 3, Map.of(0, new Position(42, 2), 1, new Position(7, 0)));
        SnapshotCodec.Decoded d = SnapshotCodec.decodeWithLineage(file, SPEC);
        ModelState r = d.state();
        assertEquals(s.network().params(), r.network().params());
        for (String name : s.optimizer().stateNames()) {
            assertArrayEquals(s.optimizer().state(name), r.optimizer().state(name), name);
        }
        assertEquals(7, r.steps());
        assertEquals(3, d.lineage().version());
        assertEquals(s.rng().state(), r.rng().state());
        assertEquals(28, r.examplesSeen());
        assertEquals(Map.of(0, new Position(42, 2), 1, new Position(7, 0)), d.lineage().positions());
        // and it trains on identically
        ModelState a = trained(7);
        float[] x = new float[20];
        Arrays.fill(x, 0.3f);
        a.train(new Batch(4, 5, x, 1, new float[] {0, 1, 2, 0}));
        r.train(new Batch(4, 5, x, 1, new float[] {0, 1, 2, 0}));
        assertEquals(a.network().params(), r.network().params());
    }

    @Test
    void fileIsSafetensorsWithTorchNamesAndLayouts() throws Exception {
        byte[] file = SnapshotCodec.encode(trained(1), 1, Map.of());
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "header padded to 8 bytes");
        JsonNode header = new ObjectMapper().readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
        assertEquals("[6,5]", header.get("0.weight").get("shape").toString());
        assertEquals("[6]", header.get("0.bias").get("shape").toString());
        assertEquals("[6]", header.get("1.weight").get("shape").toString());
        assertEquals("[3,6]", header.get("3.weight").get("shape").toString());
        assertEquals("F32", header.get("3.weight").get("dtype").asText());
        assertTrue(header.has("optimizer.0.weight.exp_avg"));
        assertTrue(header.has("optimizer.3.bias.max_exp_avg_sq"));
        JsonNode meta = header.get("__metadata__");
        assertEquals("1", meta.get("optimizer_steps").asText());
        assertEquals("snap", SpecParser.parse(meta.get("spec").asText()).id());
        // first tensor starts at data offset 0 and the data section is exactly covered
        assertEquals(0, header.get("0.weight").get("data_offsets").get(0).asLong());
    }

    @Test
    void corruptionIsDetected() {
        byte[] file = SnapshotCodec.encode(trained(2), 1, Map.of());
        file[file.length - 3] ^= 0x40;
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class, () -> SnapshotCodec.decode(file, SPEC));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void truncationIsDetected() {
        byte[] file = SnapshotCodec.encode(trained(2), 1, Map.of());
        byte[] cut = Arrays.copyOf(file, file.length - 10);
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class, () -> SnapshotCodec.decode(cut, SPEC));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertThrows(SnapshotFormatException.class, () -> SnapshotCodec.decode(Arrays.copyOf(file, 100), SPEC));
    }

    @Test
    void newerFormatIsRefusedClearly() {
        byte[] file = SnapshotCodec.encode(trained(1), 1, Map.of());
        String s = new String(file, StandardCharsets.ISO_8859_1).replace("\"format_version\":\"1\"", "\"format_version\":\"9\"");
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                () -> SnapshotCodec.decode(s.getBytes(StandardCharsets.ISO_8859_1), SPEC));
        assertTrue(e.getMessage().contains("newer than this streamfit understands"), e.getMessage());
    }

    @Test
    void tamperedMetadataIsDetected() {
        byte[] file = SnapshotCodec.encode(trained(2), 1, Map.of(0, new Position(10, 0)));
        String s = new String(file, StandardCharsets.ISO_8859_1).replace("\\\"offset\\\":10", "\\\"offset\\\":90");
        assertTrue(!s.equals(new String(file, StandardCharsets.ISO_8859_1)), "the test changed the header");
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                () -> SnapshotCodec.decode(s.getBytes(StandardCharsets.ISO_8859_1), SPEC));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void aDifferentOptimizerStartsAfreshButKeepsTheParameters() throws Exception {
        ModelState adam = trained(3);
        byte[] file = SnapshotCodec.encode(adam, 1, Map.of());
        ModelSpec sgd = SpecParser.parse(SpecParser.toJson(SPEC).replace("{\"type\":\"adam\",\"lr\":0.01,\"amsgrad\":true}",
                "{\"type\":\"sgd\",\"lr\":0.1,\"momentum\":0.9}"));
        ModelState r = SnapshotCodec.decode(file, sgd);
        assertEquals(adam.network().params(), r.network().params());
        assertEquals(0, r.steps(), "Adam's step count must not leak into SGD's first step");
        assertEquals(0f, r.optimizer().state("momentum_buffer")[0]);
    }

    @Test
    void turningOnOptimizerStateRestartsTheOptimizer() throws Exception {
        ModelState adam = trained(3); // AMSGrad on: three state buffers
        byte[] file = SnapshotCodec.encode(adam, 1, Map.of());
        ModelSpec plain = SpecParser.parse(SpecParser.toJson(SPEC).replace(",\"amsgrad\":true", ""));
        ModelState r = SnapshotCodec.decode(file, plain);
        assertEquals(3, r.steps(), "AMSGrad -> Adam keeps the state it needs");
        ModelSpec sgd0 = SpecParser.parse(SpecParser.toJson(SPEC).replace("{\"type\":\"adam\",\"lr\":0.01,\"amsgrad\":true}",
                "{\"type\":\"sgd\",\"lr\":0.1}"));
        ModelState s0 = trainedWith(sgd0, 2);
        ModelSpec sgdMomentum = SpecParser.parse(SpecParser.toJson(sgd0).replace("\"lr\":0.1}", "\"lr\":0.1,\"momentum\":0.9}"));
        ModelState r2 = SnapshotCodec.decode(SnapshotCodec.encode(s0, 1, Map.of()), sgdMomentum);
        assertEquals(0, r2.steps(), "momentum turned on: a fresh buffer and a fresh step count");
        assertEquals(s0.network().params(), r2.network().params());
    }

    @Test
    void aSpecOnAnotherTopicDropsThePositions() throws Exception {
        byte[] file = SnapshotCodec.encode(trained(1), 4, Map.of(0, new Position(5, 0)));
        ModelSpec moved = SpecParser.parse(SpecParser.toJson(SPEC).replace("\"topic\":\"t\"", "\"topic\":\"t2\""));
        Lineage r = SnapshotCodec.decodeWithLineage(file, moved).lineage();
        assertEquals(Map.of(), r.positions());
        assertEquals(4, r.version());
    }

    @Test
    void garbageNeverEscapesAsAnUncheckedException() {
        byte[] file = SnapshotCodec.encode(trained(1), 1, Map.of());
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            byte[] broken = file.clone();
            for (int k = 0; k < 4; k++) {
                broken[random.nextInt(Math.min(broken.length, 2000))] = (byte) random.nextInt();
            }
            try {
                SnapshotCodec.decode(broken, SPEC);
            } catch (SnapshotFormatException expected) {
                // the only acceptable failure
            }
        }
    }

    @Test
    void prequentialWindowSurvivesWithItsWeights() throws Exception {
        ModelState s = trained(5);
        ModelState r = SnapshotCodec.decode(SnapshotCodec.encode(s, 1, Map.of()), SPEC);
        assertEquals(s.window().loss(), r.window().loss(), 1e-12);
        assertEquals(s.window().accuracy(), r.window().accuracy(), 1e-12);
        assertEquals(s.window().totals().examples(), r.window().totals().examples());
    }

    @Test
    void architectureMismatchIsNamed() {
        byte[] file = SnapshotCodec.encode(trained(1), 1, Map.of());
        ModelSpec wider = SpecParser.parse(SpecParser.toJson(SPEC).replace("\"units\":6", "\"units\":7"));
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class, () -> SnapshotCodec.decode(file, wider));
        assertTrue(e.getMessage().contains("tensor 0.weight is [6, 5] in the snapshot but [7, 5] in the spec"), e.getMessage());
    }
}
