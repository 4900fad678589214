package io.streamfit.train;

import io.streamfit.nn.Loss;
import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Training-time data augmentation of one mini-batch, drawn from the model's seeded generator (so
 * a restored model draws exactly what an uninterrupted one would). Prediction and the prequential
 * score always see the clean inputs.
 *
 * <ul>
 *   <li><b>Images</b> (inputs declared with {@code input_shape}, row-major HWC), per example: a
 *       horizontal flip with probability 1/2, a rotation by an angle uniform in
 *       [-rotation, rotation] degrees about the image centre, then a translation by integers
 *       uniform in [-shift, shift] on each axis. Each output pixel is sampled from the source
 *       by the inverse map with bilinear interpolation; outside the source is 0.</li>
 *   <li><b>Mixup</b> (Zhang et al. 2018, as in their reference code): one
 *       {@code lambda ~ Beta(alpha, alpha)} per batch and a random permutation {@code pi}
 *       pair the examples; {@code x_i <- lambda x_i + (1 - lambda) x_pi(i)}, and the loss is
 *       {@code lambda L(y) + (1 - lambda) L(y_pi)} (see {@link Mixup}).</li>
 * </ul>
 */
public final class Augmenter {
    private final ModelSpec.AugmentationSpec spec;
    private final ModelSpec.ImageShape image;
    private float[] scratch;
    private float[] mixed;

    public Augmenter(ModelSpec.AugmentationSpec spec, ModelSpec.ImageShape image) {
        this.spec = spec;
        this.image = image;
    }

    /** How one batch's examples were mixed: weight {@code lambda} on each example, the rest on {@code partner[i]}. */
    public record Mixup(double lambda, int[] partner) {}

    /**
     * Augments {@code x} ({@code rows x width}, row-major) in place; returns the mixup pairing,
     * or null without mixup.
     */
    public Mixup apply(float[] x, int rows, int width, SplitMix64 rng) {
        if (spec.geometric()) {
            if (scratch == null || scratch.length != width) {
                scratch = new float[width];
            }
            for (int i = 0; i < rows; i++) {
                boolean flip = spec.horizontalFlip() && rng.nextDouble() < 0.5;
                double angle = spec.rotationDegrees() > 0
                        ? Math.toRadians(rng.uniform(-spec.rotationDegrees(), spec.rotationDegrees()))
                        : 0;
                int dy = spec.shift() > 0 ? uniformInt(rng, -spec.shift(), spec.shift()) : 0;
                int dx = spec.shift() > 0 ? uniformInt(rng, -spec.shift(), spec.shift()) : 0;
                transform(x, i * width, scratch, image, flip, angle, dy, dx);
                System.arraycopy(scratch, 0, x, i * width, width);
            }
        }
        if (spec.mixupAlpha() <= 0) {
            return null;
        }
        double lambda = beta(rng, spec.mixupAlpha());
        int[] partner = new int[rows];
        for (int i = 0; i < rows; i++) {
            partner[i] = i;
        }
        for (int i = rows - 1; i > 0; i--) { // Fisher-Yates
            int j = uniformInt(rng, 0, i);
            int t = partner[i];
            partner[i] = partner[j];
            partner[j] = t;
        }
        if (mixed == null || mixed.length != rows * width) {
            mixed = new float[rows * width];
        }
        float a = (float) lambda;
        float b = (float) (1 - lambda);
        for (int i = 0; i < rows; i++) {
            int p = partner[i] * width;
            int o = i * width;
            for (int k = 0; k < width; k++) {
                mixed[o + k] = a * x[o + k] + b * x[p + k];
            }
        }
        System.arraycopy(mixed, 0, x, 0, rows * width);
        return new Mixup(lambda, partner);
    }

    /**
     * The mixup loss {@code lambda L(z, y) + (1 - lambda) L(z, y_partner)}: returns its value
     * summed over the batch and writes the gradient of its mean into {@code grad}
     * ({@code scratch} is a buffer shaped like it).
     *
     * @param y row-major targets, {@code targetWidth} per example
     */
    public static double mixupLoss(Loss loss, INDArray z, float[] y,
            int targetWidth, Mixup mix, INDArray grad, INDArray scratch) {
        float[] partnerY = new float[y.length];
        for (int i = 0; i < mix.partner().length; i++) {
            System.arraycopy(y, mix.partner()[i] * targetWidth, partnerY, i * targetWidth, targetWidth);
        }
        double own = loss.evaluate(z, y, grad).lossSum();
        double partner = loss.evaluate(z, partnerY, scratch).lossSum();
        grad.muli(mix.lambda()).addi(scratch.muli(1 - mix.lambda()));
        return mix.lambda() * own + (1 - mix.lambda()) * partner;
    }

    /**
     * Writes into {@code out} the image at {@code src[from...]} flipped (if {@code flip}), rotated
     * by {@code angle} radians about its centre, then shifted down {@code dy} and right {@code dx}
     * pixels, by sampling the source at the inverse-mapped position of each output pixel.
     */
    static void transform(float[] src, int from, float[] out, ModelSpec.ImageShape s, boolean flip, double angle, int dy,
            int dx) {
        int h = s.height();
        int w = s.width();
        int c = s.channels();
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        for (int r = 0; r < h; r++) {
            for (int col = 0; col < w; col++) {
                // Undo the shift, then the rotation (rotate by -angle), then the flip.
                double y0 = r - dy - cy;
                double x0 = col - dx - cx;
                double ys = cos * y0 + sin * x0 + cy;
                double xs = -sin * y0 + cos * x0 + cx;
                if (flip) {
                    xs = (w - 1) - xs;
                }
                int o = (r * w + col) * c;
                for (int ch = 0; ch < c; ch++) {
                    out[o + ch] = bilinear(src, from, h, w, c, ys, xs, ch);
                }
            }
        }
    }

    private static float bilinear(float[] src, int from, int h, int w, int c, double y, double x, int ch) {
        // Snap to the grid within float rounding so that whole-pixel moves (and 90-degree turns) copy exactly.
        double ry = Math.rint(y);
        double rx = Math.rint(x);
        if (Math.abs(y - ry) < 1e-9) {
            y = ry;
        }
        if (Math.abs(x - rx) < 1e-9) {
            x = rx;
        }
        int y0 = (int) Math.floor(y);
        int x0 = (int) Math.floor(x);
        double fy = y - y0;
        double fx = x - x0;
        double v = 0;
        v += (1 - fy) * (1 - fx) * pixel(src, from, h, w, c, y0, x0, ch);
        if (fx > 0) {
            v += (1 - fy) * fx * pixel(src, from, h, w, c, y0, x0 + 1, ch);
        }
        if (fy > 0) {
            v += fy * (1 - fx) * pixel(src, from, h, w, c, y0 + 1, x0, ch);
            if (fx > 0) {
                v += fy * fx * pixel(src, from, h, w, c, y0 + 1, x0 + 1, ch);
            }
        }
        return (float) v;
    }

    private static float pixel(float[] src, int from, int h, int w, int c, int y, int x, int ch) {
        return y < 0 || y >= h || x < 0 || x >= w ? 0f : src[from + (y * w + x) * c + ch];
    }

    /** Uniform integer in [lo, hi]. */
    static int uniformInt(SplitMix64 rng, int lo, int hi) {
        return lo + (int) Math.floor(rng.nextDouble() * (hi - lo + 1));
    }

    /**
     * Beta(a, a) as G1 / (G1 + G2) with G ~ Gamma(a, 1), computed from log G so that small
     * {@code a} (where G underflows to 0 in double) still gives the right U-shaped distribution.
     */
    static double beta(SplitMix64 rng, double a) {
        double l1 = logGamma(rng, a);
        double l2 = logGamma(rng, a);
        return 1 / (1 + Math.exp(l2 - l1));
    }

    /** log of a Gamma(a, 1) draw; for a &lt; 1 via Gamma(a + 1) * U^(1/a), that is log G(a+1) + log(U) / a. */
    static double logGamma(SplitMix64 rng, double a) {
        if (a < 1) {
            double u = 1.0 - rng.nextDouble(); // (0, 1]
            return Math.log(gamma(rng, a + 1)) + Math.log(u) / a;
        }
        return Math.log(gamma(rng, a));
    }

    /** Gamma(a, 1) for a &gt;= 1, by Marsaglia and Tsang (2000). */
    static double gamma(SplitMix64 rng, double a) {
        double d = a - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z = rng.nextGaussian();
            double v = 1 + c * z;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = 1.0 - rng.nextDouble();
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }
}
