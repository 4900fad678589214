package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The replay reservoir: a uniform sample of the stream (Algorithm R), mixed into every trained
 * batch at the stated share, never scored, in the snapshot and restored bitwise; its memory is
 * bounded by the spec and counted in the snapshot's size.
 */
class ReplayBufferTest {
    private static ModelSpec spec(String replay) {
        return DriftWatchTest.spec("{type: constant}", replay);
    }

    /** A batch of {@code n} examples of width 4 whose every input is its stream index {@code from + i}. */
    private static Batch indexed(long from, int n) {
        float[] x = new float[n * 4];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(x, i * 4, i * 4 + 4, from + i);
            y[i] = (from + i) % 3;
        }
        return new Batch(n, 4, x, 1, y);
    }

    @Test
    void theReservoirIsAUniformSampleOfTheStream() {
        // 200 reservoirs of 100 over a stream of 10,000: each tenth of the stream should hold 10%
        // of the kept examples; the count per tenth is binomial (n = 20,000, p = 0.1, sd = 42).
        int[] perTenth = new int[10];
        for (long seed = 0; seed < 200; seed++) {
            ReplayBuffer r = new ReplayBuffer(withSeed(seed));
            for (long i = 0; i < 10_000; i += 50) {
                r.add(indexed(i, 50));
            }
            assertEquals(100, r.filled());
            assertEquals(10_000, r.seen());
            float[] kept = r.inputs();
            for (int k = 0; k < 100; k++) {
                perTenth[(int) kept[k * 4] / 1000]++;
            }
        }
        for (int t = 0; t < 10; t++) {
            assertTrue(Math.abs(perTenth[t] - 2000) < 5 * 42, "tenth " + t + " holds " + perTenth[t] + " of 20,000");
        }
    }

    private static ModelSpec withSeed(long seed) {
        return SpecParser.parse(DriftWatchTest.spec("{type: constant}", "replay: {capacity: 100, fraction: 0.5}\n")
                .source().toString().replace("\"batch_size\":32", "\"batch_size\":32,\"seed\":" + seed));
    }

    @Test
    void eachTrainedBatchReplaysTheStatedShareOfPastExamplesOnly() {
        ReplayBuffer r = new ReplayBuffer(spec("replay: {capacity: 1000, fraction: 0.25}\n"));
        Batch first = indexed(0, 64);
        assertSame(first, r.withReplayed(first), "nothing to replay yet");
        r.add(first);
        Batch second = indexed(64, 64);
        Batch mixed = r.withReplayed(second);
        assertEquals(64 + 21, mixed.size(), "k = round(0.25 * 64 / 0.75) = 21: a quarter of the 85 rows trained");
        Set<Float> past = new HashSet<>();
        for (int i = 0; i < 85; i++) {
            float v = mixed.x()[i * 4];
            if (i < 64) {
                assertEquals(64 + i, v, "the batch's own rows first, in order");
            } else {
                assertTrue(v < 64, "replayed rows are past examples: " + v);
                assertEquals(v % 3, mixed.y()[i], "with their own targets");
                past.add(v);
            }
        }
        assertTrue(past.size() > 10, "drawn across the reservoir: " + past);
    }

    @Test
    void aModelWithReplayScoresOnlyItsNewExamplesAndRestoresBitwise() throws Exception {
        ModelSpec spec = spec("replay: {capacity: 300, fraction: 0.5}\n");
        ModelSpec plain = spec("");
        List<Batch> batches = DriftWatchTest.stream(300, 6);
        ModelState replaying = ModelState.fresh(spec);
        ModelState alone = ModelState.fresh(plain);
        StepResult a = replaying.train(batches.get(0));
        StepResult b = alone.train(batches.get(0));
        assertEquals(b.lossSum(), a.lossSum(), 0, "the first batch has nothing to replay: the same step");
        for (int i = 1; i < 120; i++) {
            StepResult r = replaying.train(batches.get(i));
            assertEquals(32, r.examples(), "the step reports the batch's own examples");
        }
        assertEquals(120 * 32, replaying.examplesSeen(), "replayed examples are not counted as seen");
        assertEquals(300, replaying.replay().filled());
        assertEquals(120 * 32, replaying.replay().seen());
        byte[] bytes = SnapshotCodec.encode(replaying, 1, Map.of(), Map.of());
        assertTrue(SnapshotCodec.metadata(bytes).containsKey("replay"));
        ModelState restored = SnapshotCodec.decode(bytes, spec);
        assertArrayEquals(replaying.replay().inputs(), restored.replay().inputs());
        for (int i = 120; i < 300; i++) {
            StepResult x = replaying.train(batches.get(i));
            StepResult y = restored.train(batches.get(i));
            assertEquals(Double.doubleToLongBits(x.lossSum()), Double.doubleToLongBits(y.lossSum()), "batch " + i);
        }
        assertArrayEquals(replaying.network().params().data().asFloat(), restored.network().params().data().asFloat());
        assertArrayEquals(replaying.replay().inputs(), restored.replay().inputs());
        assertEquals(replaying.replay().state(), restored.replay().state());
    }

    @Test
    void aChangedCapacityKeepsWhatFitsAndCountsFromThere() throws Exception {
        ModelState s = ModelState.fresh(spec("replay: {capacity: 300, fraction: 0.5}\n"));
        for (Batch b : DriftWatchTest.stream(20, 6)) {
            s.train(b);
        }
        byte[] bytes = SnapshotCodec.encode(s, 1, Map.of(), Map.of());
        ReplayBuffer smaller = SnapshotCodec.decode(bytes, spec("replay: {capacity: 100, fraction: 0.5}\n")).replay();
        assertEquals(100, smaller.filled());
        assertEquals(100, smaller.seen(), "counted from the examples kept");
        assertArrayEquals(java.util.Arrays.copyOf(s.replay().inputs(), 400), smaller.inputs());
        ReplayBuffer larger = SnapshotCodec.decode(bytes, spec("replay: {capacity: 1000, fraction: 0.5}\n")).replay();
        assertEquals(300, larger.filled());
        assertEquals(300, larger.seen(), "the full old reservoir: its slots were a sample of 640, the new ones fill first");
        assertEquals(null, SnapshotCodec.decode(bytes, spec("")).replay(), "replay switched off: nothing kept");
    }

    @Test
    void theReservoirsMemoryIsBoundedAndCountedInTheSnapshotSize() {
        ModelSpec with = spec("replay: {capacity: 10000}\n");
        assertEquals(0.25, with.replay().fraction(), "default share");
        assertEquals(4L * 10_000 * (4 + 1), with.estimatedSnapshotBytes() - spec("").estimatedSnapshotBytes()
                - 2L * (with.source().toString().length() - spec("").source().toString().length()),
                "inputs and class indices as float32 in every snapshot");
        List<String> e = assertThrows(SpecException.class, () -> SpecParser.parse("""
                id: big
                topic: t
                input_width: 784
                task: {type: classification, classes: 10}
                layers: [{type: dense, units: 10}]
                optimizer: {type: adam}
                batch_size: 64
                replay: {capacity: 100000, fraction: 0.95}
                """)).errors();
        assertTrue(e.stream().anyMatch(m -> m.startsWith("replay.fraction must be <= 0.9")), e.toString());
        assertTrue(e.contains("replay.capacity holds 100000 examples of 3140 bytes = 299 MiB, over the limit of 256 MiB"
                + " (the reservoir is in memory and in every snapshot)"), e.toString());
    }
}
