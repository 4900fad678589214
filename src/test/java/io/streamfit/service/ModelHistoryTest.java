package io.streamfit.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The console's per-second ring: counters served as what happened in each second, gauges as reported. */
class ModelHistoryTest {
    private static final int REASONS = 6;

    private static ModelHistory.Sample at(long t, long steps, long clipped, long skipped, long decodeErrors, long alarms) {
        long[] dead = new long[REASONS];
        dead[0] = decodeErrors;
        return new ModelHistory.Sample(t, steps, steps * 10, 0.5, 0.9, 0.01, 2.0, clipped, skipped, 7, steps / 10, alarms,
                alarms > 0 ? steps : -1, dead);
    }

    @Test
    void countersBecomePerSecondAmountsAndStepFiguresGapsWithoutSteps() {
        ModelHistory h = new ModelHistory();
        h.add(at(100, 10, 0, 0, 0, 0));
        h.add(at(101, 20, 5, 1, 2, 0));
        h.add(at(102, 20, 5, 1, 2, 0)); // no step in this second
        h.add(at(104, 30, 5, 1, 3, 1)); // a second without a sample (the sampler was late)
        Map<String, Object> m = h.toMap("m", 60);
        assertArrayEquals(new long[] {100, 101, 102, 104}, (long[]) m.get("t"));
        assertArrayEquals(new Double[] {null, 0.5, null, 0.0}, (Double[]) m.get("clip_fraction"));
        assertArrayEquals(new Double[] {null, 2.0, null, 2.0}, (Double[]) m.get("grad_norm"));
        assertArrayEquals(new long[] {0, 1, 0, 0}, (long[]) m.get("skipped_steps"));
        assertArrayEquals(new Double[] {null, 100.0, 0.0, 50.0}, (Double[]) m.get("examples_per_second"), "over the 2 s gap");
        @SuppressWarnings("unchecked")
        Map<String, long[]> dead = (Map<String, long[]>) m.get("dead_letters");
        assertArrayEquals(new long[] {0, 2, 0, 1}, dead.get("decode_error"));
        assertEquals(List.of(Map.of("t", 104L, "step", 30L)), m.get("drift_alarms"));
        assertEquals(50.0, h.examplesPerSecond(1), 1e-12, "from the sample before the last: 2 s back");
        assertEquals((300 - 100) / 4.0, h.examplesPerSecond(10), 1e-12);
    }

    @Test
    void aWindowStartsWithTheSampleBeforeItAndARollbackCountsNothing() {
        ModelHistory h = new ModelHistory();
        for (int t = 0; t < 20; t++) {
            h.add(at(1000 + t, t * 2L, 0, 0, 0, 0));
        }
        h.add(at(1020, 10, 0, 0, 0, 0)); // a rollback: the totals went back
        Map<String, Object> m = h.toMap("m", 10);
        long[] t = (long[]) m.get("t");
        assertEquals(10, t.length);
        assertEquals(1011, t[0]);
        // the first point's amount is taken against the sample before the window, not left empty
        assertEquals(20.0, ((Double[]) m.get("examples_per_second"))[0]);
        assertEquals(0.0, ((Double[]) m.get("examples_per_second"))[9], "a total that went down counts as zero");
        assertNull(new ModelHistory().examplesPerSecond(10), "no rate without two samples");
    }

    @Test
    void keepsAnHourAndASampleOfTheSameSecondReplacesTheLast() {
        ModelHistory h = new ModelHistory();
        for (int t = 0; t < ModelHistory.CAPACITY_SECONDS + 500; t++) {
            h.add(at(t, t, 0, 0, 0, 0));
        }
        assertEquals(ModelHistory.CAPACITY_SECONDS, h.size());
        h.add(at(ModelHistory.CAPACITY_SECONDS + 499, 1, 0, 0, 0, 0));
        assertEquals(ModelHistory.CAPACITY_SECONDS, h.size());
        long[] steps = (long[]) h.toMap("m", 10).get("steps");
        assertEquals(1, steps[steps.length - 1]);
        h.add(at(5, 7, 0, 0, 0, 0)); // the wall clock stepped back: dropped, time only moves forward
        long[] t = (long[]) h.toMap("m", 10).get("t");
        assertEquals(ModelHistory.CAPACITY_SECONDS + 499, t[t.length - 1]);
        assertEquals(ModelHistory.CAPACITY_SECONDS, h.size());
    }
}
