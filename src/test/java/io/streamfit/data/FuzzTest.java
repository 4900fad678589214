package io.streamfit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing (jqwik) of everything that parses untrusted bytes: record decoders
 * (JSON and binary), the spec parser and the snapshot decoder. For random and mutated inputs the
 * only outcomes allowed are a decoded value that satisfies the decoder's contract or that
 * decoder's own rejection with a reason; any other exception (a crash in the training loop) or
 * an allocation beyond the input's size fails the property. jqwik shrinks a failure to a
 * minimal input and prints its seed.
 */
class FuzzTest {
    private static final ModelSpec CLASSES = SpecParser.parse("""
            id: fuzz
            topic: t
            input_width: 3
            task: {type: classification, classes: 4}
            layers: [{type: dense, units: 4}]
            optimizer: {type: sgd, lr: 0.1}
            batch_size: 2
            """);
    private static final ModelSpec REGRESSION = SpecParser.parse(SpecParser.toJson(CLASSES)
            .replace("{\"type\":\"classification\",\"classes\":4}", "{\"type\":\"regression\",\"outputs\":2}")
            .replace("\"units\":4", "\"units\":2"));
    private static final byte[] VALID_JSON = "{\"x\": [[0.5, -1, 2], [1, 2, 3]], \"y\": [3, 0]}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VALID_BINARY = RecordDecoder.encodeBinary(2, 3, new float[] {1, 2, 3, 4, 5, 6}, new int[] {1, 3}, null, 1);

    /** Decodes with both decoders; returns normally only for a record that obeys the contract. */
    private static void decodeOrReject(byte[] value) {
        for (ModelSpec spec : new ModelSpec[] {CLASSES, REGRESSION}) {
            try {
                Examples ex = new RecordDecoder(spec).decode(value);
                assertTrue(ex.count() >= 1 && ex.count() <= RecordDecoder.MAX_EXAMPLES_PER_RECORD, "count " + ex.count());
                assertEquals(3, ex.width());
                assertEquals(ex.count() * 3, ex.x().length);
                assertEquals(ex.count() * ex.targetWidth(), ex.y().length);
                for (float v : ex.x()) {
                    assertTrue(Float.isFinite(v), "a non-finite input passed");
                }
                for (float v : ex.y()) {
                    assertTrue(Float.isFinite(v), "a non-finite target passed");
                    if (spec == CLASSES) {
                        assertTrue(v >= 0 && v < 4 && v == Math.rint(v), "class " + v + " out of range");
                    }
                }
                assertTrue(4L * (ex.x().length + ex.y().length) <= 8L * value.length + 64,
                        "decoded " + ex.x().length + " values from " + value.length + " bytes");
            } catch (RejectedRecordException e) {
                assertNotNull(e.reason());
                assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "a rejection says why");
            }
        }
    }

    @Property(tries = 2000)
    void randomBytesAreDecodedOrRejected(@ForAll("bytes") byte[] value) {
        decodeOrReject(value);
    }

    @Property(tries = 2000)
    void mutatedJsonRecordsAreDecodedOrRejected(@ForAll("mutatedJson") byte[] value) {
        decodeOrReject(value);
    }

    @Property(tries = 2000)
    void mutatedBinaryRecordsAreDecodedOrRejected(@ForAll("mutatedBinary") byte[] value) {
        decodeOrReject(value);
    }

    @Property(tries = 300)
    void jsonOfRandomStructureIsDecodedOrRejected(@ForAll("jsonish") String text) {
        decodeOrReject(text.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 20)
    void deeplyNestedJsonIsRejectedNotAStackOverflow(@ForAll("depth") int depth) {
        String nested = "{\"x\": " + "[".repeat(depth) + "1" + "]".repeat(depth) + ", \"y\": 0}";
        decodeOrReject(nested.getBytes(StandardCharsets.UTF_8));
        String objects = "{\"x\": [1,2,3], \"y\": 0, \"z\": " + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}";
        decodeOrReject(objects.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 1500)
    void mutatedSpecsAreParsedOrRejectedWithReasons(@ForAll("mutatedSpec") String text) {
        try {
            ModelSpec s = SpecParser.parse(text);
            assertTrue(s.parameterCount() <= SpecParser.MAX_PARAMETERS);
        } catch (SpecException e) {
            assertFalse(e.errors().isEmpty(), "a rejection lists its reasons");
            e.errors().forEach(m -> assertFalse(m.isBlank()));
        }
    }

    @Property(tries = 500)
    void damagedSnapshotsAreRefusedNotCrashing(@ForAll("damagedSnapshot") byte[] file) {
        try {
            ModelState s = SnapshotCodec.decode(file, CLASSES);
            assertEquals(CLASSES.id(), s.spec().id());
        } catch (SnapshotFormatException e) {
            assertNotNull(e.getMessage());
        }
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    @Provide
    Arbitrary<Integer> depth() {
        return Arbitraries.integers().between(500, 200_000);
    }

    /** A valid record with 1-4 random byte edits (replace, insert, delete). */
    private static Arbitrary<byte[]> mutated(byte[] valid) {
        Arbitrary<int[]> edit = Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, valid.length + 8), Arbitraries.integers().between(0, 255))
                .as((kind, at, b) -> new int[] {kind, at, b});
        return edit.list().ofMinSize(1).ofMaxSize(4).map(edits -> {
            byte[] v = valid.clone();
            for (int[] e : edits) {
                int at = Math.min(e[1], v.length);
                if (e[0] == 0 && at < v.length) {
                    v[at] = (byte) e[2];
                } else if (e[0] == 1) {
                    byte[] w = new byte[v.length + 1];
                    System.arraycopy(v, 0, w, 0, at);
                    w[at] = (byte) e[2];
                    System.arraycopy(v, at, w, at + 1, v.length - at);
                    v = w;
                } else if (at < v.length) {
                    byte[] w = new byte[v.length - 1];
                    System.arraycopy(v, 0, w, 0, at);
                    System.arraycopy(v, at + 1, w, at, v.length - at - 1);
                    v = w;
                }
            }
            return v;
        });
    }

    @Provide
    Arbitrary<byte[]> mutatedJson() {
        return mutated(VALID_JSON);
    }

    @Provide
    Arbitrary<byte[]> mutatedBinary() {
        return mutated(VALID_BINARY);
    }

    /** Records built from JSON pieces: right and wrong types, huge and special numbers, wrong shapes. */
    @Provide
    Arbitrary<String> jsonish() {
        Arbitrary<String> number = Arbitraries.of("0", "1", "-1", "3", "4", "2.5", "1e309", "-1e309", "NaN", "Infinity",
                "-Infinity", "1e-400", "99999999999999999999", "\"1\"", "null", "true", "[]", "{}");
        Arbitrary<String> row = number.list().ofMinSize(0).ofMaxSize(5).map(l -> "[" + String.join(",", l) + "]");
        Arbitrary<String> x = Arbitraries.oneOf(row, row.list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]"), number);
        Arbitrary<String> y = Arbitraries.oneOf(number, row, row.list().ofMaxSize(3).map(l -> "[" + String.join(",", l) + "]"));
        return Combinators.combine(x, y, Arbitraries.of("", ", \"extra\": 1", ", \"x\": [1,2,3]"))
                .as((xs, ys, extra) -> "{\"x\": " + xs + ", \"y\": " + ys + extra + "}");
    }

    private static final String SPEC = """
            id: fuzzed
            topic: t.in
            input_width: 6
            input_shape: [2, 3, 1]
            task: {type: classification, classes: 3}
            layers:
              - {type: standardize}
              - {type: dense, units: 16, weight_init: {type: kaiming_uniform, nonlinearity: relu}}
              - type: residual
                layers: [{type: layer_norm}, {type: dense, units: 16}, {type: dropout, p: 0.1}]
              - {type: batch_norm, momentum: 0.1}
              - {type: relu}
              - {type: dense, units: 3}
            loss: {type: softmax_cross_entropy, label_smoothing: 0.1}
            optimizer: {type: adamw, lr: 0.001, betas: [0.9, 0.999], weight_decay: 0.01}
            schedule: {type: cosine, T_max: 1000, warmup: {steps: 10}}
            gradient_clipping: {max_norm: 1.0}
            regularization: {l2: 0.0001, exclude: [bias]}
            augmentation: {mixup: {alpha: 0.2}, shift: 1, horizontal_flip: true}
            early_stopping: {holdout_every: 10, patience: 3}
            divergence: {max_bad_steps: 5}
            batch_size: 32
            seed: 1
            """;

    /** The full-featured spec with a token replaced by an absurd or wrong value, or a line cut. */
    @Provide
    Arbitrary<String> mutatedSpec() {
        String[] lines = SPEC.split("\n");
        Arbitrary<String> absurd = Arbitraries.of("1000000000", "-1", "0", "1e308", "-1e308", ".nan", ".inf", "\"x\"", "[]", "{}",
                "null", "true", "[1, 2]", "{type: residual, layers: []}", "99999999999999999999999", "0.0000001");
        Arbitrary<String> replaceValue = Combinators.combine(Arbitraries.integers().between(0, lines.length - 1), absurd)
                .as((i, v) -> {
                    String[] l = lines.clone();
                    l[i] = l[i].replaceFirst(":\\s*[^,}\\]]+", ": " + v);
                    return String.join("\n", l);
                });
        Arbitrary<String> dropLine = Arbitraries.integers().between(0, lines.length - 1).map(i -> {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < lines.length; k++) {
                if (k != i) {
                    b.append(lines[k]).append('\n');
                }
            }
            return b.toString();
        });
        Arbitrary<String> truncate = Arbitraries.integers().between(0, SPEC.length()).map(n -> SPEC.substring(0, n));
        return Arbitraries.oneOf(replaceValue, dropLine, truncate, mutated(SPEC.getBytes(StandardCharsets.UTF_8))
                .map(b -> new String(b, StandardCharsets.UTF_8)));
    }

    @Provide
    Arbitrary<byte[]> damagedSnapshot() {
        ModelState s = ModelState.fresh(CLASSES);
        byte[] valid = SnapshotCodec.encode(s, 1, Map.of(), Map.of());
        Arbitrary<byte[]> truncated = Arbitraries.integers().between(0, valid.length - 1).map(n -> java.util.Arrays.copyOf(valid, n));
        return Arbitraries.oneOf(mutated(valid), truncated, bytes());
    }
}
