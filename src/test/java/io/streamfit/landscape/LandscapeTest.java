package io.streamfit.landscape;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.SplitMix64;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Line and plane slices: the grid, the center, and the exact quadratic of a linear model under MSE. */
class LandscapeTest {

    private static double dot(INDArray a, INDArray b) {
        return a.mul(b).sumNumber().doubleValue();
    }

    @Test
    void theGridIsSymmetricWithZeroInTheMiddle() {
        double[] g = Landscape.grid(7, 1.5);
        assertArrayEquals(new double[] {-1.5, -1, -0.5, 0, 0.5, 1, 1.5}, g);
        double[] fine = Landscape.grid(41, 0.7);
        assertEquals(0.0, fine[20]);
        for (int i = 0; i < 41; i++) {
            assertEquals(-fine[40 - i], fine[i], 0.0, "symmetric");
        }
        assertThrows(IllegalArgumentException.class, () -> Landscape.grid(6, 1));
        assertThrows(IllegalArgumentException.class, () -> Landscape.grid(1, 1));
        assertThrows(IllegalArgumentException.class, () -> Landscape.grid(5, 0));
    }

    /** L(theta + alpha d) = L(theta) + alpha g.d + alpha^2 / 2 d.H.d, exactly for a quadratic. */
    @Test
    void aLinearModelUnderMseIsAParabolaThroughTheCenter() {
        Quadratic q = new Quadratic(24, 3, 2, "");
        LossSurface s = q.surface;
        INDArray theta = s.center();
        INDArray d = Directions.filterNormalized(s, new SplitMix64(3));
        Landscape.Line line = Landscape.line(s, d, 21, 1.0);
        assertEquals(21, line.losses().length);
        assertEquals(0.0, line.alphas()[10]);
        assertEquals(s.loss(theta), line.losses()[10], 0.0, "the center is exactly L(theta)");
        double l0 = s.loss(theta);
        double slope = dot(s.gradient(theta), d);
        double curvature = dot(d, q.hessianTimes(d));
        assertTrue(curvature > 0);
        for (int i = 0; i < 21; i++) {
            double a = line.alphas()[i];
            double expected = l0 + a * slope + 0.5 * a * a * curvature;
            assertEquals(expected, line.losses()[i], 1e-10 * Math.max(1, expected), "alpha " + a);
        }
    }

    @Test
    void thePlaneIsTheBivariateQuadraticAndContainsTheLine() {
        Quadratic q = new Quadratic(24, 3, 2, "");
        LossSurface s = q.surface;
        INDArray theta = s.center();
        SplitMix64 rng = new SplitMix64(5);
        INDArray d1 = Directions.filterNormalized(s, rng);
        INDArray d2 = Directions.filterNormalized(s, rng);
        Landscape.Plane plane = Landscape.plane(s, d1, d2, 5, 0.5);
        assertEquals(5, plane.losses().length);
        assertEquals(5, plane.losses()[0].length);
        assertEquals(s.loss(theta), plane.losses()[2][2], 0.0);
        Landscape.Line line = Landscape.line(s, d1, 5, 0.5);
        for (int i = 0; i < 5; i++) {
            assertEquals(line.losses()[i], plane.losses()[i][2], 0.0, "beta = 0 is the line along d1");
        }
        INDArray g = s.gradient(theta);
        INDArray h1 = q.hessianTimes(d1);
        INDArray h2 = q.hessianTimes(d2);
        double l0 = s.loss(theta);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                double a = plane.alphas()[i];
                double b = plane.betas()[j];
                double expected = l0 + a * dot(g, d1) + b * dot(g, d2)
                        + 0.5 * (a * a * dot(d1, h1) + 2 * a * b * dot(d1, h2) + b * b * dot(d2, h2));
                assertEquals(expected, plane.losses()[i][j], 1e-10 * Math.max(1, expected), "(" + a + ", " + b + ")");
            }
        }
    }

    @Test
    void directionsOfTheWrongLengthAreRefused() {
        Quadratic q = new Quadratic(8, 2, 1, "");
        INDArray shorter = q.surface.center().get(NDArrayIndex.interval(0, 2));
        assertThrows(IllegalArgumentException.class, () -> Landscape.line(q.surface, shorter, 3, 1));
    }
}
