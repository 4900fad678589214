package io.streamfit.search;

import io.streamfit.nn.SplitMix64;
import java.util.Arrays;

/**
 * A density on {@code [0, 1]} (a numeric space's unit coordinate) estimated from observed points,
 * as the Tree-structured Parzen Estimator builds it (Bergstra, Bardenet, Bengio and Kégl,
 * "Algorithms for Hyper-Parameter Optimization", NeurIPS 2011, section 4): a mixture of Gaussians
 * truncated to the interval, one per observation and one prior component {@code N(0.5, 1)}, each
 * of equal weight. A point's bandwidth is the larger distance to its neighbours (the prior's mean
 * counted among them), clipped to {@code [1 / min(100, n + 1), 1]}, the rule of the authors'
 * hyperopt library.
 */
final class ParzenEstimator {
    private final double[] mu;
    private final double[] sigma;
    /** Each component's mass inside [0, 1]. */
    private final double[] mass;

    ParzenEstimator(double[] observations) {
        int n = observations.length;
        double[] points = new double[n + 1];
        System.arraycopy(observations, 0, points, 0, n);
        points[n] = 0.5; // the prior's mean
        double[] sorted = points.clone();
        Arrays.sort(sorted);
        mu = points;
        sigma = new double[n + 1];
        double minSigma = 1.0 / Math.min(100, n + 1);
        for (int i = 0; i < n; i++) {
            int at = Arrays.binarySearch(sorted, points[i]);
            double left = at > 0 ? points[i] - sorted[at - 1] : points[i];
            double right = at < sorted.length - 1 ? sorted[at + 1] - points[i] : 1 - points[i];
            sigma[i] = Math.max(minSigma, Math.min(1.0, Math.max(left, right)));
        }
        sigma[n] = 1.0;
        mass = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            mass[i] = Gaussian.cdf((1 - mu[i]) / sigma[i]) - Gaussian.cdf(-mu[i] / sigma[i]);
        }
    }

    /** The log density at {@code u}. */
    double logDensity(double u) {
        double sum = 0;
        for (int i = 0; i < mu.length; i++) {
            double z = (u - mu[i]) / sigma[i];
            sum += Math.exp(-0.5 * z * z) / (sigma[i] * Math.sqrt(2 * Math.PI) * mass[i]);
        }
        return Math.log(sum / mu.length);
    }

    /** A draw: a component chosen uniformly, then its truncated Gaussian by rejection. */
    double sample(SplitMix64 rng) {
        int i = (int) Math.min(mu.length - 1, Math.floor(rng.nextDouble() * mu.length));
        for (int tries = 0; tries < 100; tries++) {
            double u = mu[i] + sigma[i] * rng.nextGaussian();
            if (u >= 0 && u <= 1) {
                return u;
            }
        }
        return Math.max(0, Math.min(1, mu[i]));
    }
}
