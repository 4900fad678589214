package io.streamfit.landscape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.SplitMix64;
import org.junit.jupiter.api.Test;

/** Evaluation counts and multiply-add estimates of the three requests. */
class CostTest {

    @Test
    void countsAndEstimates() {
        Cost line = Cost.line(21, 100, 1_000);
        assertEquals(21, line.lossEvaluations());
        assertEquals(0, line.gradientEvaluations());
        assertEquals(21 * 100 * 1_000.0, line.multiplyAdds());

        Cost plane = Cost.plane(21, 100, 1_000);
        assertEquals(441, plane.lossEvaluations());
        assertEquals(441 * 100 * 1_000.0, plane.multiplyAdds());

        Cost sharpness = Cost.sharpness(50, 100, 1_000);
        assertEquals(100, sharpness.gradientEvaluations());
        assertEquals(3 * 100 * 100 * 1_000.0, sharpness.multiplyAdds(), "a gradient is three passes' work");

        assertTrue(plane.exceeds(1e7));
        assertFalse(line.exceeds(1e7));
        // A careless request does not overflow.
        Cost huge = Cost.plane(Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals((long) Integer.MAX_VALUE * Integer.MAX_VALUE, huge.lossEvaluations());
        assertTrue(Double.isFinite(huge.multiplyAdds()) && huge.exceeds(1e50), "no overflow: " + huge.multiplyAdds());
    }

    /** The sharpness bound holds for what topEigenvalue actually uses. */
    @Test
    void sharpnessUsesNoMoreGradientsThanItsCost() {
        Quadratic q = new Quadratic(8, 2, 1, "");
        Sharpness.Result r = Sharpness.topEigenvalue(q.surface, 10, 1e-8, new SplitMix64(2));
        assertTrue(r.gradientEvaluations() <= Cost.sharpness(10, 8, q.surface.parameterCount()).gradientEvaluations());
    }
}
