package io.streamfit.landscape;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.SplitMix64;
import io.streamfit.train.ModelState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report the service and the command share: its keys, its grid, its sharpness, and that one seed fixes it. */
class LandscapeReportTest {

    private static Map<String, Object> report(Quadratic q, LandscapeReport.Settings s) {
        ModelState live = ModelState.fresh(q.spec);
        return LandscapeReport.compute(q.spec, live.network().params(), live.network().buffers(), q.x, q.targets, s);
    }

    @Test
    void theReportHasTheKeysInOrderAndTheSlicesOfItsParts() {
        Quadratic q = new Quadratic(24, 3, 2, "");
        LandscapeReport.Settings s = new LandscapeReport.Settings(2, 5, 0.5, true, 200, 7, 1e-10);
        Map<String, Object> m = report(q, s);
        assertEquals(List.of("rows", "parameters", "center_loss", "line", "plane", "sharpness"), List.copyOf(m.keySet()));
        assertEquals(24, m.get("rows"));
        assertEquals(q.surface.parameterCount(), m.get("parameters"));
        double center = (Double) m.get("center_loss");
        assertEquals(q.surface.loss(q.surface.center()), center, 0.0);

        // The same generator as the parts, in the same order: directions 1 and 2, then the start vector.
        SplitMix64 rng = new SplitMix64(7);
        Landscape.Line line = Landscape.line(q.surface, Directions.filterNormalized(q.surface, rng), 5, 0.5);
        Landscape.Plane plane = Landscape.plane(q.surface, Directions.filterNormalized(q.surface, new SplitMix64(7)),
                Directions.filterNormalized(q.surface, rng), 5, 0.5);
        Map<?, ?> l = (Map<?, ?>) m.get("line");
        assertArrayEquals(line.alphas(), (double[]) l.get("alphas"));
        assertArrayEquals(line.losses(), unbox(l.get("loss")), 1e-12 * center);
        assertEquals(center, (unbox(l.get("loss")))[2], 0.0, "the line's middle is the center");
        Map<?, ?> p = (Map<?, ?>) m.get("plane");
        Double[][] losses = (Double[][]) p.get("loss");
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(plane.losses()[i], unbox(losses[i]), 1e-12 * center, "plane row " + i);
        }
        Map<?, ?> sh = (Map<?, ?>) m.get("sharpness");
        assertEquals(List.of("lambda_max", "negative_curvature", "iterations", "converged", "gradient_evaluations",
                "epsilon", "method"), List.copyOf(sh.keySet()));
        double exact = q.topEigenvalue();
        assertEquals(exact, (Double) sh.get("lambda_max"), 1e-6 * exact);
        assertEquals(true, sh.get("converged"));
        assertEquals(Sharpness.METHOD, sh.get("method"));

        Map<String, Object> again = report(q, s);
        assertArrayEquals(unbox(l.get("loss")), unbox(((Map<?, ?>) again.get("line")).get("loss")), 0.0,
                "one seed, one report");
        assertEquals(sh.get("lambda_max"), ((Map<?, ?>) again.get("sharpness")).get("lambda_max"));
        Map<String, Object> other = report(q, new LandscapeReport.Settings(2, 5, 0.5, true, 200, 8, 1e-10));
        assertTrue((unbox(((Map<?, ?>) other.get("line")).get("loss")))[0] != (unbox(l.get("loss")))[0],
                "another seed, another direction");
    }

    @Test
    void oneDirectionHasNoPlaneAndNoSharpnessWhenNotAsked() {
        Quadratic q = new Quadratic(24, 3, 2, "");
        Map<String, Object> m = report(q, new LandscapeReport.Settings(1, 3, 1.0, false, 0, 0));
        assertNull(m.get("plane"));
        assertNull(m.get("sharpness"));
        assertTrue(m.containsKey("plane") && m.containsKey("sharpness"), "present, as null");
        assertEquals(3, unbox(((Map<?, ?>) m.get("line")).get("loss")).length);
    }

    @Test
    void settingsAreCheckedAndCosted() {
        assertThrows(IllegalArgumentException.class, () -> new LandscapeReport.Settings(3, 5, 1, true, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new LandscapeReport.Settings(2, 4, 1, true, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new LandscapeReport.Settings(2, 5, -1, true, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new LandscapeReport.Settings(2, 5, 1, true, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new LandscapeReport.Settings(2, 5, 1, true, 10, 0, -1));
        Cost c = new LandscapeReport.Settings(2, 5, 1, true, 10, 0).cost(100, 1000);
        assertEquals(1 + 5 + 25, c.lossEvaluations());
        assertEquals(20, c.gradientEvaluations());
        assertEquals((31 + 3 * 20) * 100.0 * 1000, c.multiplyAdds());
    }

    /** The report's losses: boxed, {@code null} where not finite (none is here). */
    private static double[] unbox(Object losses) {
        Double[] boxed = (Double[]) losses;
        double[] out = new double[boxed.length];
        for (int i = 0; i < boxed.length; i++) {
            out[i] = boxed[i];
        }
        return out;
    }
}
