package io.streamfit.landscape;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One- and two-dimensional slices of a {@link LossSurface} around its center {@code theta}
 * (Li et al. 2018, section 3): {@code f(alpha) = L(theta + alpha d)} along a direction, and
 * {@code f(alpha, beta) = L(theta + alpha d1 + beta d2)} over the plane of two. With
 * filter-normalized directions ({@link Directions}) {@code alpha = 1} moves every filter by its own
 * norm, so spans of about 1 show the basin; Li et al. plot {@code [-1, 1]}.
 *
 * <p>The grid is {@code points} values evenly spaced in {@code [-span, span]}, {@code points} odd
 * so that the center is a grid point: {@code alpha_i = span (i - m) / m} with {@code m = (points - 1) / 2},
 * which makes {@code alpha_m} exactly 0 and the grid exactly symmetric. Every point is one loss
 * evaluation (a forward pass over all rows): {@code points} for a line, {@code points^2} for a plane
 * (see {@link Cost}).
 */
public final class Landscape {
    private Landscape() {}

    /** {@code losses[i] = L(theta + alphas[i] d)}. */
    public record Line(double[] alphas, double[] losses) {}

    /** {@code losses[i][j] = L(theta + alphas[i] d1 + betas[j] d2)}. */
    public record Plane(double[] alphas, double[] betas, double[][] losses) {}

    /** The loss along {@code d} at {@code points} (odd, at least 3) values of alpha in {@code [-span, span]}. */
    public static Line line(LossSurface surface, INDArray d, int points, double span) {
        double[] alphas = grid(points, span);
        INDArray center = surface.center();
        INDArray dir = direction(surface, d);
        double[] losses = new double[points];
        for (int i = 0; i < points; i++) {
            losses[i] = surface.loss(center.add(dir.mul(alphas[i])));
        }
        return new Line(alphas, losses);
    }

    /** The loss over the plane of {@code d1} and {@code d2}, {@code points x points} values in {@code [-span, span]^2}. */
    public static Plane plane(LossSurface surface, INDArray d1, INDArray d2, int points, double span) {
        double[] alphas = grid(points, span);
        INDArray center = surface.center();
        INDArray dir1 = direction(surface, d1);
        INDArray dir2 = direction(surface, d2);
        double[][] losses = new double[points][points];
        for (int i = 0; i < points; i++) {
            INDArray row = center.add(dir1.mul(alphas[i]));
            for (int j = 0; j < points; j++) {
                losses[i][j] = surface.loss(row.add(dir2.mul(alphas[j])));
            }
        }
        return new Plane(alphas, alphas.clone(), losses);
    }

    /** {@code points} (odd, >= 3) values {@code span (i - m) / m}; the middle one is exactly 0. */
    public static double[] grid(int points, double span) {
        if (points < 3 || points % 2 == 0) {
            throw new IllegalArgumentException("points must be odd and at least 3 (so that 0 is on the grid), got " + points);
        }
        if (!(span > 0 && Double.isFinite(span))) {
            throw new IllegalArgumentException("span must be finite and > 0, got " + span);
        }
        int m = (points - 1) / 2;
        double[] g = new double[points];
        for (int i = 0; i < points; i++) {
            g[i] = span * (i - m) / m;
        }
        return g;
    }

    private static INDArray direction(LossSurface surface, INDArray d) {
        if (d.length() != surface.parameterCount()) {
            throw new IllegalArgumentException(
                    "a direction must have " + surface.parameterCount() + " elements, got " + d.length());
        }
        return d.reshape(d.length()).castTo(DataType.DOUBLE);
    }
}
