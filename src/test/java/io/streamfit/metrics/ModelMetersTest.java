package io.streamfit.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.stream.RunnerPhase;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The meters the alerts need exist from the model's start, with the values the rules read: every
 * reject reason at 0 (before, a reason's counter appeared at its first reject, and Prometheus'
 * {@code rate} never saw that first burst), the records-consumed counter at 0, one phase gauge per
 * phase with 1 on the current one, and the failures-in-a-row gauge.
 */
class ModelMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void everyRejectReasonAndTheInputCounterStartAtZero() {
        try (ModelMeters m = new ModelMeters(registry, "m")) {
            for (RejectedRecordException.Reason r : RejectedRecordException.Reason.values()) {
                assertNotNull(registry.find(MetricNames.RECORDS_REJECTED).tags("model", "m", "reason", r.label()).counter(),
                        r.label() + " registered before any reject");
            }
            assertEquals(0, registry.get(MetricNames.RECORDS_CONSUMED).tag("model", "m").counter().count());
            m.recordRead();
            m.recordRead();
            m.rejected("wrong_width");
            assertEquals(2, registry.get(MetricNames.RECORDS_CONSUMED).tag("model", "m").counter().count());
            assertEquals(1, registry.get(MetricNames.RECORDS_REJECTED).tags("model", "m", "reason", "wrong_width").counter()
                    .count());
        }
        assertEquals(null, registry.find(MetricNames.RECORDS_REJECTED).counter(), "close removes them");
    }

    @Test
    void onePhaseGaugeIsOne() {
        try (ModelMeters m = new ModelMeters(registry, "m")) {
            assertPhase(RunnerPhase.STARTING);
            m.phase(RunnerPhase.RUNNING);
            assertPhase(RunnerPhase.RUNNING);
            m.phase(RunnerPhase.DIVERGED);
            assertPhase(RunnerPhase.DIVERGED);
            assertEquals(0, registry.get(MetricNames.MODEL_FAILED).gauge().value());
            m.phase(RunnerPhase.FAILED);
            assertEquals(1, registry.get(MetricNames.MODEL_FAILED).gauge().value());
        }
    }

    @Test
    void failuresInARowAreShownAsTold() {
        try (ModelMeters m = new ModelMeters(registry, "m")) {
            m.transactionFailuresInARow(3);
            assertEquals(3, registry.get(MetricNames.TRANSACTION_FAILURES_IN_A_ROW).gauge().value());
            m.transactionFailuresInARow(0);
            assertEquals(0, registry.get(MetricNames.TRANSACTION_FAILURES_IN_A_ROW).gauge().value());
        }
    }

    /** The service's read of a stopped model's lag never overwrites a fresher one from the runner, nor a fenced model's 0. */
    @Test
    void kafkasLagYieldsToTheRunnersOwnAndToFencing() {
        try (ModelMeters m = new ModelMeters(registry, "m")) {
            m.lag(5);
            m.lagFromKafka(9, System.nanoTime());
            assertEquals(9, lag());
            long readStarted = System.nanoTime();
            m.lag(3); // the runner reported while the read was under way
            m.lagFromKafka(100, readStarted);
            assertEquals(3, lag());
            m.phase(RunnerPhase.FENCED);
            assertEquals(0, lag(), "another instance owns it and reports its lag");
            m.lagFromKafka(100, System.nanoTime());
            assertEquals(0, lag());
        }
    }

    private double lag() {
        return registry.get(MetricNames.CONSUMER_LAG).tag("model", "m").gauge().value();
    }

    private void assertPhase(RunnerPhase current) {
        for (RunnerPhase p : RunnerPhase.values()) {
            assertEquals(p == current ? 1.0 : 0.0, registry.get(MetricNames.MODEL_PHASE)
                    .tags("model", "m", "phase", p.name().toLowerCase(Locale.ROOT)).gauge().value(), p.name());
        }
    }
}
