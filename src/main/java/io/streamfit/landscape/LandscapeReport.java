package io.streamfit.landscape;

import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One landscape, as the service's API and the {@code landscape} command both answer it: the loss
 * along one filter-normalized random direction ({@code line}), with two directions also over their
 * plane ({@code plane}), and the sharpness, all on the given held-out rows in float64
 * ({@link LossSurface}).
 *
 * <p>The map {@link #compute} returns has, in this order: {@code rows}, {@code parameters},
 * {@code center_loss}, {@code line: {alphas, loss}}, {@code plane: {alphas, betas, loss}} or null,
 * {@code sharpness: {lambda_max, negative_curvature, iterations, converged, gradient_evaluations,
 * epsilon, method}} or null. One generator, seeded with {@link Settings#seed()}, draws the first
 * direction, then the second, then the power iteration's start vector; the same seed also fixes
 * the dropout masks and noise of every evaluation ({@link LossSurface}). Same inputs, same numbers.
 */
public final class LandscapeReport {
    /**
     * Power iteration stops when the Rayleigh quotient changes by less than this, relatively: the
     * service's value, and PyHessian's default.
     */
    public static final double TOLERANCE = 1e-3;

    private LandscapeReport() {}

    /**
     * What to compute.
     *
     * @param directions 1 (a line) or 2 (a line and the plane of both)
     * @param points odd, at least 3: grid points per axis, over {@code [-span, span]}
     * @param span finite, {@code > 0}
     * @param sharpness whether to measure the Hessian's dominant eigenvalue
     * @param iterations the power iteration's budget (at least 2 when {@code sharpness})
     * @param seed draws the directions and the start vector, and fixes dropout masks
     * @param tolerance the power iteration's relative stopping rule, {@code >= 0}
     */
    public record Settings(int directions, int points, double span, boolean sharpness, int iterations, long seed,
            double tolerance) {
        public Settings {
            if (directions != 1 && directions != 2) {
                throw new IllegalArgumentException("directions must be 1 or 2, got " + directions);
            }
            Landscape.grid(points, span); // checks points and span
            if (sharpness && iterations < 2) {
                throw new IllegalArgumentException("iterations must be at least 2, got " + iterations);
            }
            if (!(tolerance >= 0)) {
                throw new IllegalArgumentException("tolerance must be >= 0, got " + tolerance);
            }
        }

        /** With the default {@link #TOLERANCE}. */
        public Settings(int directions, int points, double span, boolean sharpness, int iterations, long seed) {
            this(directions, points, span, sharpness, iterations, seed, TOLERANCE);
        }

        /** The settings as the service's job and the command's output both write them. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("directions", directions);
            m.put("points", points);
            m.put("span", span);
            m.put("sharpness", sharpness);
            m.put("iterations", iterations);
            m.put("seed", seed);
            m.put("tolerance", tolerance);
            return m;
        }

        /** The estimated work on {@code rows} rows of a model of {@code parameters} parameters, at most. */
        public Cost cost(long rows, long parameters) {
            long losses = 1 + points + (directions == 2 ? (long) points * points : 0); // 1: center_loss
            return Cost.of(losses, sharpness ? 2L * iterations : 0, rows, parameters);
        }
    }

    /**
     * The landscape of the model {@code spec} with parameters {@code params} and buffers
     * {@code buffers} (any data type; copied to float64) on the rows {@code x} ({@code [n, inputWidth]})
     * with targets {@code y} as the model's loss takes them.
     */
    public static Map<String, Object> compute(ModelSpec spec, INDArray params, INDArray buffers, INDArray x, float[] y,
            Settings s) {
        LossSurface surface = new LossSurface(spec, params, buffers, x, y, s.seed());
        SplitMix64 rng = new SplitMix64(s.seed());
        INDArray d1 = Directions.filterNormalized(surface, rng);
        INDArray d2 = s.directions() == 2 ? Directions.filterNormalized(surface, rng) : null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", Math.toIntExact(surface.rows()));
        m.put("parameters", surface.parameterCount());
        m.put("center_loss", finite(surface.loss(surface.center())));
        Landscape.Line line = Landscape.line(surface, d1, s.points(), s.span());
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("alphas", line.alphas());
        l.put("loss", finite(line.losses()));
        m.put("line", l);
        if (d2 != null) {
            Landscape.Plane plane = Landscape.plane(surface, d1, d2, s.points(), s.span());
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("alphas", plane.alphas());
            p.put("betas", plane.betas());
            Double[][] losses = new Double[plane.losses().length][];
            for (int i = 0; i < losses.length; i++) {
                losses[i] = finite(plane.losses()[i]);
            }
            p.put("loss", losses);
            m.put("plane", p);
        } else {
            m.put("plane", null);
        }
        if (s.sharpness()) {
            Sharpness.Result r = Sharpness.topEigenvalue(surface, s.iterations(), s.tolerance(), rng);
            Map<String, Object> sh = new LinkedHashMap<>();
            sh.put("lambda_max", finite(r.lambda()));
            sh.put("negative_curvature", r.negativeCurvature());
            sh.put("iterations", r.iterations());
            sh.put("converged", r.converged());
            sh.put("gradient_evaluations", r.gradientEvaluations());
            sh.put("epsilon", r.epsilon());
            sh.put("method", r.method());
            m.put("sharpness", sh);
        } else {
            m.put("sharpness", null);
        }
        return m;
    }

    /** JSON has no NaN or infinity: a loss that overflowed (far out along a direction) is {@code null}. */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static Double[] finite(double[] v) {
        Double[] out = new Double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = finite(v[i]);
        }
        return out;
    }
}
