package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import org.junit.jupiter.api.Test;

/**
 * The divergence rule without Kafka: when a run of non-finite steps calls for a rollback, how the
 * learning rate falls, and when the model gives up (the stream's rollback itself is in
 * ModelRunnerKafkaTest).
 */
class DivergencePolicyTest {
    private static final ModelSpec SPEC = SpecParser.parse("""
            id: div
            topic: div.in
            input_width: 2
            task: {type: classification, classes: 2}
            layers: [{type: dense, units: 2}]
            optimizer: {type: sgd, lr: 0.1}
            batch_size: 1
            divergence: {max_bad_steps: 2, lr_factor: 0.25, max_rollbacks: 2}
            """);
    private static final DivergencePolicy POLICY = new DivergencePolicy(SPEC.divergence());

    @Test
    void aRollbackLowersTheRateUntilTheRollbacksAreSpent() {
        ModelState diverged = ModelState.fresh(SPEC);
        double[] expectedScale = {0.25, 0.0625};
        for (int rollback = 1; rollback <= 2; rollback++) {
            ModelState committed = ModelState.fresh(SPEC);
            assertNull(POLICY.rollBack(diverged, committed, 7), "rollback " + rollback + " goes on");
            assertEquals(expectedScale[rollback - 1], committed.lrScale(), 1e-12);
            assertEquals(rollback, committed.rollbacksInARow());
            assertEquals(rollback, committed.divergenceRollbacks());
            diverged = committed;
        }
        ModelState last = ModelState.fresh(SPEC);
        String giveUp = POLICY.rollBack(diverged, last, 7);
        assertNotNull(giveUp, "a third rollback in a row exceeds max_rollbacks 2");
        assertTrue(
                giveUp.contains("3 times") && giveUp.contains("after 2 rollbacks")
                        && giveUp.contains("serving snapshot version 7"),
                giveUp);
        assertEquals(0.0625, last.lrScale(), 1e-12, "giving up keeps the rate it had");
    }

    @Test
    void divergedCountsNonFiniteStepsInARow() {
        ModelState s = ModelState.fresh(SPEC);
        assertFalse(POLICY.diverged(s));
        float[] nan = {Float.NaN, 1f};
        for (int i = 1; i <= 2; i++) {
            s.train(new Batch(1, 2, nan, 1, new float[] {0}));
            assertEquals(i == 2, POLICY.diverged(s), "after " + i + " non-finite steps");
        }
    }
}
