package io.streamfit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.streamfit.nn.SplitMix64;
import io.streamfit.snapshot.Position;
import io.streamfit.train.Batch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class BatcherTest {
    /** Records of 1-6 examples; example k has x = {k} so batches show which examples they hold. */
    private static List<Examples> records(int n, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        List<Examples> out = new ArrayList<>();
        int k = 0;
        for (int r = 0; r < n; r++) {
            int count = 1 + (int) Math.floorMod(rng.nextLong(), 6L);
            float[] x = new float[count];
            for (int i = 0; i < count; i++) {
                x[i] = k++;
            }
            out.add(new Examples(count, 1, x, 1, new float[count]));
        }
        return out;
    }

    private static List<float[]> drain(Batcher b) {
        List<float[]> out = new ArrayList<>();
        Batch batch;
        while ((batch = b.next()) != null) {
            out.add(batch.x());
        }
        return out;
    }

    @RepeatedTest(5)
    void batchesDoNotDependOnHowPollsWereCut(RepetitionInfo repetition) {
        List<Examples> recs = records(200, 1);
        Batcher whole = new Batcher(7);
        for (int i = 0; i < recs.size(); i++) {
            whole.offer(0, i, recs.get(i));
        }
        List<float[]> expected = drain(whole);

        SplitMix64 rng = new SplitMix64(repetition.getCurrentRepetition()); // a different cut each repetition
        Batcher cut = new Batcher(7);
        List<float[]> actual = new ArrayList<>();
        for (int i = 0; i < recs.size(); i++) {
            cut.offer(0, i, recs.get(i));
            if (rng.nextDouble() < 0.3) { // a poll boundary
                actual.addAll(drain(cut));
            }
        }
        actual.addAll(drain(cut));
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i));
        }
    }

    @Test
    void resumingAtAPositionContinuesExactlyWhereTheBatchesStopped() {
        List<Examples> recs = records(60, 2);
        Batcher first = new Batcher(5);
        List<float[]> all = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            first.offer(0, i, recs.get(i));
            all.addAll(drain(first));
        }
        Map<Integer, Position> at = first.positions();

        Batcher resumed = new Batcher(5);
        resumed.resume(at);
        for (int i = 0; i < recs.size(); i++) { // the consumer re-reads from the committed offset (or earlier)
            resumed.offer(0, i, recs.get(i));
        }
        all.addAll(drain(resumed));

        Batcher uninterrupted = new Batcher(5);
        for (int i = 0; i < recs.size(); i++) {
            uninterrupted.offer(0, i, recs.get(i));
        }
        List<float[]> expected = drain(uninterrupted);
        assertEquals(expected.size(), all.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), all.get(i), "batch " + i);
        }
    }

    @Test
    void positionsAreKeptPerPartition() {
        Batcher b = new Batcher(3);
        b.offer(0, 5, new Examples(2, 1, new float[] {0, 1}, 1, new float[2]));
        b.offer(1, 9, new Examples(2, 1, new float[] {2, 3}, 1, new float[2]));
        assertArrayEquals(new float[] {0, 1, 2}, b.next().x());
        assertEquals(Map.of(0, new Position(6, 0), 1, new Position(9, 1)), b.positions());
        assertEquals(Map.of(0, 6L, 1, 10L), b.consumed());
        Batcher resumed = new Batcher(3);
        resumed.resume(b.positions());
        assertFalse(resumed.offer(0, 5, new Examples(2, 1, new float[] {0, 1}, 1, new float[2])), "partition 0 is done up to 6");
        resumed.offer(1, 9, new Examples(2, 1, new float[] {2, 3}, 1, new float[2]));
        resumed.offer(0, 6, new Examples(2, 1, new float[] {4, 5}, 1, new float[2]));
        assertArrayEquals(new float[] {3, 4, 5}, resumed.next().x(), "example 1 of partition 1's record, then partition 0");
    }

    @Test
    void positionPointsAtTheFirstUntrainedExample() {
        Batcher b = new Batcher(4);
        b.offer(0, 10, new Examples(3, 1, new float[] {0, 1, 2}, 1, new float[3]));
        b.offer(0, 11, new Examples(3, 1, new float[] {3, 4, 5}, 1, new float[3]));
        assertArrayEquals(new float[] {0, 1, 2, 3}, b.next().x());
        assertEquals(Map.of(0, new Position(11, 1)), b.positions());
        b.offer(0, 12, null); // a rejected record
        assertEquals(Map.of(0, new Position(11, 1)), b.positions());
        b.offer(0, 13, new Examples(2, 1, new float[] {6, 7}, 1, new float[2]));
        assertArrayEquals(new float[] {4, 5, 6, 7}, b.next().x());
        assertEquals(Map.of(0, new Position(14, 0)), b.positions());
        assertFalse(b.offer(0, 13, new Examples(1, 1, new float[1], 1, new float[1])), "a record seen twice is ignored");
    }
}
