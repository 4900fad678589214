package io.streamfit.landscape;

import io.streamfit.nn.SplitMix64;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sharpness: the largest eigenvalue of the Hessian {@code H} of a {@link LossSurface} at its center,
 * the curvature along the steepest direction of the basin (Keskar et al. 2017 relate it to
 * generalization; for gradient descent with rate {@code lr} the loss is stable only while it is
 * below {@code 2 / lr}, Cohen et al. 2021, "Edge of Stability").
 *
 * <p>{@code H} (P x P) is never formed. Power iteration needs only products {@code H v}, taken here
 * as central finite differences of the analytic gradient:
 *
 * <pre>
 *   H v  ~=  (grad L(theta + eps v) - grad L(theta - eps v)) / (2 eps)        (||v|| = 1)
 *   v_0 ~ N(0, I) / ||.||;   w_k = H v_{k-1};   lambda_k = v_{k-1}^T w_k;   v_k = w_k / ||w_k||
 *   stop when |lambda_k - lambda_{k-1}| <= tolerance |lambda_k|, or after maxIterations
 * </pre>
 *
 * Each iteration costs two gradient evaluations (a forward and a backward pass over all rows).
 * PyTorch tools (PyHessian, Yao et al. 2020) take {@code H v} by double backpropagation instead;
 * the network here has no second-order autodiff, and in float64 the difference quotient is as
 * accurate as needed with a small enough step (below). For a quadratic loss (a linear model under
 * MSE) the gradient is linear in {@code theta} and the quotient is exact up to rounding.
 *
 * <p><b>The step {@code eps = 1e-8 max(1, ||theta|| / sqrt(P))}.</b> With {@code s} the parameters'
 * RMS (the scale on which the loss's curvature changes) and {@code u = 1.1e-16}, the relative error
 * of {@code H v} for a smooth loss is about {@code (eps/s)^2 / 6} from truncation (the third
 * derivative, zero for a quadratic) plus {@code u s / eps} from rounding the two gradients (their
 * difference loses {@code log10(s/eps)} digits). For a smooth loss the sum is smallest near
 * {@code eps = u^(1/3) s ~= 5e-6 s}. But a ReLU network's loss is smooth only piecewise: it has a
 * kink wherever a row's pre-activation crosses 0, and a difference quotient whose two points
 * straddle one measures a jump in the gradient over {@code 2 eps}, not a curvature. Power iteration
 * amplifies exactly such directions, so one kink is enough to ruin it: at {@code 1e-5 s} (this
 * class's first choice) it "converged" to four times the top eigenvalue on a small trained
 * layer-norm ReLU MLP ({@code SharpnessTest}), and on 10-layer Fashion-MNIST MLPs (236,170
 * parameters, 1,000 rows) it did not converge at all, cycling between two values set by kinks. The
 * chance that a step straddles a kink is proportional to {@code eps} (smaller, not zero: a
 * result that matters can be repeated with another seed), so the step is as small as rounding allows: at {@code 1e-8 s} the rounding term is about 1e-8 (measured 2e-8 on the
 * quadratic of {@code SharpnessTest}), far below the stopping tolerance, and the Fashion-MNIST
 * models' top eigenvalues agree to 6 digits at steps of 1e-7, 1e-8 and 1e-9. Float32's
 * {@code u = 6e-8} would leave nothing at this step, hence the float64 copy. Rounding the points
 * {@code theta +- eps v} themselves adds at most {@code u ||theta|| / eps = 1e-8 sqrt(P)} (1e-5 at a
 * million parameters), a bound that only the largest eigenvalue's share of the rounding noise
 * attains. The floor of 1 keeps the step from vanishing when the parameters are near 0 (a
 * zero-initialized model). Double backpropagation (PyHessian) differentiates within the current
 * piece and never sees kinks; a small step is how a difference quotient gets the same.
 *
 * <p><b>Largest magnitude, not largest value.</b> Power iteration converges to the eigenvalue of
 * largest <em>magnitude</em>, at the rate {@code (|lambda_2| / |lambda_1|)^(2k)} for the Rayleigh
 * quotient. Near a minimum {@code H} is (nearly) positive semi-definite and that is the sharpness.
 * Away from one the dominant eigenvalue may be negative: {@link Result#negativeCurvature()} then
 * says so, and the largest positive eigenvalue is smaller than {@code |lambda|} and not measured.
 * When {@code lambda} and {@code -lambda} are both eigenvalues the iteration does not converge and
 * the result says {@code converged = false}.
 *
 * <p>Frozen tensors are left out: {@code v} is kept zero on them, and {@code H v} is projected onto
 * the trainable coordinates, so the result is the sharpness of the subspace training moves in.
 */
public final class Sharpness {
    /** The method, as results name it. */
    public static final String METHOD = "central-difference HVP, power iteration";
    /** The finite-difference step relative to the parameters' RMS; see the class comment. */
    public static final double RELATIVE_STEP = 1e-8;

    private Sharpness() {}

    /**
     * @param lambda the Rayleigh quotient {@code v^T H v} at the last iterate: the eigenvalue of
     *     largest magnitude
     * @param negativeCurvature whether {@code lambda < 0}: the dominant curvature is negative, and
     *     the largest positive eigenvalue (smaller than {@code |lambda|}) was not measured
     * @param iterations Hessian-vector products taken
     * @param converged whether the stopping rule held before {@code maxIterations} ran out
     * @param gradientEvaluations gradient evaluations used, two per iteration
     * @param epsilon the finite-difference step
     * @param method {@link #METHOD}
     */
    public record Result(double lambda, boolean negativeCurvature, int iterations, boolean converged,
            int gradientEvaluations, double epsilon, String method) {}

    /**
     * The dominant eigenvalue of the Hessian at the surface's center by power iteration.
     *
     * @param maxIterations at least 2 (the stopping rule compares two quotients)
     * @param tolerance relative change of the quotient to stop at, {@code >= 0}
     * @param rng draws the starting vector
     */
    public static Result topEigenvalue(LossSurface surface, int maxIterations, double tolerance, SplitMix64 rng) {
        return topEigenvalue(surface, maxIterations, tolerance, rng, step(surface.center()));
    }

    /** {@link #topEigenvalue(LossSurface, int, double, SplitMix64)} with the finite-difference step {@code eps}. */
    static Result topEigenvalue(LossSurface surface, int maxIterations, double tolerance, SplitMix64 rng, double eps) {
        if (maxIterations < 2) {
            throw new IllegalArgumentException("maxIterations must be at least 2, got " + maxIterations);
        }
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("tolerance must be >= 0, got " + tolerance);
        }
        INDArray theta = surface.center();
        INDArray v = surface.zeroFrozen(gaussian(surface.parameterCount(), rng));
        double norm = v.norm2Number().doubleValue();
        if (norm == 0) {
            return new Result(0, false, 0, true, 0, eps, METHOD); // nothing trainable
        }
        v.divi(norm);
        double lambda = Double.NaN;
        int k = 0;
        boolean converged = false;
        while (k < maxIterations) {
            INDArray w = hessianVector(surface, theta, v, eps);
            k++;
            double previous = lambda;
            lambda = v.mul(w).sumNumber().doubleValue();
            if (!Double.isFinite(lambda)) {
                break; // a non-finite loss or gradient near theta
            }
            double wNorm = w.norm2Number().doubleValue();
            if (Math.abs(lambda - previous) <= tolerance * Math.abs(lambda) || wNorm == 0) {
                converged = true; // H v = 0 for a random v: H vanishes (on the trainable coordinates)
                break;
            }
            v = w.divi(wNorm);
        }
        return new Result(lambda, lambda < 0, k, converged, 2 * k, eps, METHOD);
    }

    /**
     * {@code (grad L(theta + eps v) - grad L(theta - eps v)) / (2 eps)} with frozen coordinates set
     * to zero: two gradient evaluations.
     */
    public static INDArray hessianVector(LossSurface surface, INDArray theta, INDArray v, double eps) {
        INDArray step = v.reshape(v.length()).castTo(DataType.DOUBLE).mul(eps);
        INDArray plus = surface.gradient(theta.add(step));
        INDArray minus = surface.gradient(theta.sub(step));
        return surface.zeroFrozen(plus.subi(minus).divi(2 * eps));
    }

    /** {@code RELATIVE_STEP * max(1, ||theta|| / sqrt(P))}. */
    public static double step(INDArray theta) {
        double rms = theta.norm2Number().doubleValue() / Math.sqrt(theta.length());
        return RELATIVE_STEP * Math.max(1, rms);
    }

    private static INDArray gaussian(long n, SplitMix64 rng) {
        double[] g = new double[Math.toIntExact(n)];
        for (int i = 0; i < g.length; i++) {
            g[i] = rng.nextGaussian();
        }
        return Nd4j.create(g, new long[] {g.length}, DataType.DOUBLE);
    }
}
