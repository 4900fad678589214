package io.streamfit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The in-run step time is read for the right model from Prometheus text. */
class ServiceRunTest {
    private static final String METRICS = """
            # TYPE streamfit_step_duration_seconds histogram
            streamfit_step_duration_seconds_bucket{model="bench-json2",le="0.01"} 7
            streamfit_step_duration_seconds_count{model="bench-json2"} 7
            streamfit_step_duration_seconds_sum{model="bench-json2"} 0.07
            streamfit_step_duration_seconds_count{application="streamfit",model="bench-json"} 120
            streamfit_step_duration_seconds_sum{application="streamfit",model="bench-json"} 1.5E0
            """;

    @Test
    void readsCountAndSumOfTheNamedModelOnly() {
        assertEquals(120, ServiceRun.stepMetric(METRICS, "count", "bench-json"));
        assertEquals(1.5, ServiceRun.stepMetric(METRICS, "sum", "bench-json"));
        assertEquals(7, ServiceRun.stepMetric(METRICS, "count", "bench-json2"));
    }

    @Test
    void aMissingModelIsAnErrorThatNamesIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ServiceRun.stepMetric(METRICS, "sum", "other"));
        assertTrue(e.getMessage().contains("other"), e.getMessage());
    }
}
