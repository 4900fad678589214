package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class ModelStateTest {
    static final ModelSpec SPEC = SpecParser.parse("""
            id: m
            topic: t
            input_width: 3
            task: {type: classification, classes: 2}
            layers: [{type: dense, units: 4}, {type: relu}, {type: dense, units: 2}]
            optimizer: {type: adam, lr: 0.1}
            gradient_clipping: {max_norm: 1.0}
            batch_size: 2
            """);

    @Test
    void aNonFiniteGradientLeavesParametersStateAndStepCountUnchanged() {
        // (the record decoder rejects NaN inputs; here one reaches the model to force a NaN gradient)
        ModelState s = ModelState.fresh(SPEC);
        s.train(new Batch(2, 3, new float[] {1, 2, 3, 3, 2, 1}, 1, new float[] {0, 1}));
        INDArray params = s.network().params().dup();
        float[] m = s.optimizer().state("exp_avg").clone();
        StepResult r = s.train(new Batch(2, 3, new float[] {1, 2, Float.NaN, 3, 2, 1}, 1, new float[] {0, 1}));
        assertTrue(r.skipped(), "norm " + r.gradNorm());
        assertEquals(params, s.network().params());
        assertArrayEquals(m, s.optimizer().state("exp_avg"));
        assertEquals(1, s.steps());
        assertEquals(1, s.skippedSteps());
    }

    @Test
    void clippingIsCountedAndTheLearningRateReported() {
        ModelState s = ModelState.fresh(SPEC);
        StepResult r = s.train(new Batch(2, 3, new float[] {100, 200, 300, 300, 200, 100}, 1, new float[] {0, 1}));
        assertTrue(r.gradNorm() > 1.0);
        assertTrue(r.clipped());
        assertEquals(1, s.clippedSteps());
        assertEquals(0.1, r.lr(), 1e-12);
    }

    @Test
    void theSameSpecAndDataGiveTheSameModel() {
        ModelState a = ModelState.fresh(SPEC);
        ModelState b = ModelState.fresh(SPEC);
        for (int i = 0; i < 5; i++) {
            Batch batch = new Batch(2, 3, new float[] {i, 1, -i, 2, i * 0.5f, 1}, 1, new float[] {i % 2, 1 - i % 2});
            a.train(batch);
            b.train(batch);
        }
        assertEquals(a.network().params(), b.network().params());
    }

    @Test
    void badStepsAreCountedInARowAndTheGuardsScaleReachesTheRateAndTheSnapshot() throws Exception {
        ModelState s = ModelState.fresh(SPEC);
        Batch good = new Batch(2, 3, new float[] {1, 2, 3, 3, 2, 1}, 1, new float[] {0, 1});
        Batch bad = new Batch(2, 3, new float[] {1, 2, Float.POSITIVE_INFINITY, 3, 2, 1}, 1, new float[] {0, 1});
        s.train(good);
        s.train(bad);
        s.train(bad);
        assertEquals(2, s.consecutiveBadSteps());
        s.train(good);
        assertEquals(0, s.consecutiveBadSteps(), "a good step ends the run");
        assertEquals(0.1, s.currentLr(), 1e-15);
        s.restoreDivergence(0.25, 3, 2, 1_000);
        assertEquals(0.025, s.currentLr(), 1e-15, "the schedule's rate times the scale");
        assertEquals(0.025, s.train(good).lr(), 1e-15, "and the step uses it");
        ModelState back = SnapshotCodec.decode(
                SnapshotCodec.encode(s, 1, Map.of(), Map.of()), SPEC);
        assertEquals(0.25, back.lrScale());
        assertEquals(3, back.divergenceRollbacks());
        assertEquals(2, back.rollbacksInARow());
        assertEquals(1_000, back.troubleAt());
    }

    @Test
    void cycleMomentumSetsTheSchedulesMomentumBeforeEveryStep() {
        String spec = """
                id: m
                topic: t
                input_width: 4
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 16}, {type: relu}, {type: dense, units: 3}]
                optimizer: {type: adam, lr: 0.01}
                schedule: {type: one_cycle, max_lr: 0.05, total_steps: 20, cycle_momentum: %s}
                batch_size: 32
                """;
        ModelState cycled = ModelState.fresh(SpecParser.parse(spec.formatted("true")));
        ModelState fixed = ModelState.fresh(SpecParser.parse(spec.formatted("false")));
        ModelState byHand = ModelState.fresh(SpecParser.parse(spec.formatted("false")));
        for (Batch b : DriftWatchTest.stream(12, 4)) {
            byHand.optimizer().setMomentum(cycled.schedule().momentum(byHand.steps()));
            cycled.train(b);
            fixed.train(b);
            byHand.train(b);
        }
        assertArrayEquals(byHand.network().params().data().asFloat(), cycled.network().params().data().asFloat(),
                "beta1 set to the schedule's momentum before each step");
        assertTrue(!Arrays.equals(fixed.network().params().data().asFloat(),
                cycled.network().params().data().asFloat()), "and it matters");
    }
}
