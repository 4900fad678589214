package io.streamfit.nn;

import java.util.Arrays;

/**
 * How a parameter tensor gets its first values, with {@code torch.nn.init}'s definitions. All
 * draws come from the model's {@link SplitMix64}, so a spec and seed always give the same
 * parameters.
 *
 * <p>Fans are PyTorch's: for a {@code [out, in]} weight, {@code fan_in = in} and
 * {@code fan_out = out}. Initializers that need fans reject 1-D tensors (biases, norm gains), as
 * PyTorch does.
 */
@FunctionalInterface
public interface Initializer {

    /** Fills {@code out} (row-major, laid out as {@code shape}). */
    void fill(float[] out, long[] shape, SplitMix64 rng);

    /** Whether this initializer needs a tensor of two or more dimensions (it uses fans). */
    default boolean needsFans() {
        return false;
    }

    static Initializer constant(double value) {
        return (out, shape, rng) -> Arrays.fill(out, (float) value);
    }

    /** {@code torch.nn.init.normal_(mean, std)}. */
    static Initializer normal(double mean, double std) {
        return (out, shape, rng) -> {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (mean + std * rng.nextGaussian());
            }
        };
    }

    /** {@code torch.nn.init.uniform_(a, b)}. */
    static Initializer uniform(double a, double b) {
        return (out, shape, rng) -> {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) rng.uniform(a, b);
            }
        };
    }

    /** {@code nn.Linear}'s default for weight and bias: {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))}. */
    static Initializer linearDefault(long fanIn) {
        double bound = 1.0 / Math.sqrt(fanIn);
        return uniform(-bound, bound);
    }

    /** {@code xavier_uniform_}: {@code U(-a, a)}, {@code a = gain * sqrt(6 / (fan_in + fan_out))} (Glorot and Bengio 2010). */
    static Initializer xavierUniform(double gain) {
        return withFans((out, shape, rng) -> {
            double a = gain * Math.sqrt(6.0 / (fanIn(shape) + fanOut(shape)));
            uniform(-a, a).fill(out, shape, rng);
        });
    }

    /** {@code xavier_normal_}: {@code N(0, std^2)}, {@code std = gain * sqrt(2 / (fan_in + fan_out))}. */
    static Initializer xavierNormal(double gain) {
        return withFans(
                (out, shape, rng) -> normal(0, gain * Math.sqrt(2.0 / (fanIn(shape) + fanOut(shape)))).fill(out, shape, rng));
    }

    /** {@code kaiming_uniform_}: {@code U(-b, b)}, {@code b = sqrt(3) * gain / sqrt(fan)} (He et al. 2015). */
    static Initializer kaimingUniform(double gain, boolean fanOut) {
        return withFans((out, shape, rng) -> {
            double bound = Math.sqrt(3.0) * gain / Math.sqrt(fanOut ? fanOut(shape) : fanIn(shape));
            uniform(-bound, bound).fill(out, shape, rng);
        });
    }

    /** {@code kaiming_normal_}: {@code N(0, std^2)}, {@code std = gain / sqrt(fan)}. */
    static Initializer kaimingNormal(double gain, boolean fanOut) {
        return withFans(
                (out, shape, rng) -> normal(0, gain / Math.sqrt(fanOut ? fanOut(shape) : fanIn(shape))).fill(out, shape, rng));
    }

    /**
     * LeCun normal (LeCun et al. 1998, "Efficient BackProp"): {@code N(0, 1 / fan_in)}, which is
     * {@code kaiming_normal_(nonlinearity='linear')}. Keras truncates this normal at two standard
     * deviations; PyTorch has no such initializer, so the untruncated form is used.
     */
    static Initializer lecunNormal() {
        return kaimingNormal(1.0, false);
    }

    /**
     * {@code orthogonal_(gain)} (Saxe et al. 2014): a matrix of N(0, 1) draws, made orthonormal
     * (rows if it is wide, columns if it is tall) and scaled by {@code gain}, so
     * {@code W W^T = gain^2 I} or {@code W^T W = gain^2 I}. PyTorch orthonormalizes by QR with
     * the signs of R's diagonal made positive, which is exactly what Gram-Schmidt produces; this
     * is modified Gram-Schmidt, repeated once for accuracy, in double precision.
     */
    static Initializer orthogonal(double gain) {
        return withFans((out, shape, rng) -> {
            int rows = (int) shape[0];
            int cols = out.length / rows;
            double[][] a = new double[rows][cols];
            for (double[] row : a) {
                for (int j = 0; j < cols; j++) {
                    row[j] = rng.nextGaussian();
                }
            }
            // Orthonormalize the shorter dimension's vectors: rows of a wide matrix, columns of a tall one.
            boolean wide = rows <= cols;
            int k = wide ? rows : cols;
            int n = wide ? cols : rows;
            double[][] v = new double[k][n];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < n; j++) {
                    v[i][j] = wide ? a[i][j] : a[j][i];
                }
            }
            for (int i = 0; i < k; i++) {
                for (int pass = 0; pass < 2; pass++) {
                    for (int p = 0; p < i; p++) {
                        double dot = 0;
                        for (int j = 0; j < n; j++) {
                            dot += v[i][j] * v[p][j];
                        }
                        for (int j = 0; j < n; j++) {
                            v[i][j] -= dot * v[p][j];
                        }
                    }
                }
                double norm = 0;
                for (int j = 0; j < n; j++) {
                    norm += v[i][j] * v[i][j];
                }
                norm = Math.sqrt(norm);
                for (int j = 0; j < n; j++) {
                    v[i][j] /= norm;
                }
            }
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    out[r * cols + c] = (float) (gain * (wide ? v[r][c] : v[c][r]));
                }
            }
        });
    }

    /**
     * {@code torch.nn.init.calculate_gain}: the factor that keeps activations' variance through
     * the nonlinearity. {@code param} is leaky_relu's negative slope.
     */
    static double gain(String nonlinearity, double param) {
        return switch (nonlinearity) {
            case "linear", "identity", "sigmoid" -> 1.0;
            case "tanh" -> 5.0 / 3;
            case "relu" -> Math.sqrt(2.0);
            case "leaky_relu" -> Math.sqrt(2.0 / (1 + param * param));
            case "selu" -> 3.0 / 4;
            default -> throw new IllegalArgumentException("unsupported nonlinearity " + nonlinearity);
        };
    }

    static long fanIn(long[] shape) {
        long receptive = 1;
        for (int i = 2; i < shape.length; i++) {
            receptive *= shape[i];
        }
        return shape[1] * receptive;
    }

    static long fanOut(long[] shape) {
        long receptive = 1;
        for (int i = 2; i < shape.length; i++) {
            receptive *= shape[i];
        }
        return shape[0] * receptive;
    }

    private static Initializer withFans(Initializer body) {
        return new Initializer() {
            @Override
            public void fill(float[] out, long[] shape, SplitMix64 rng) {
                if (shape.length < 2) {
                    throw new IllegalArgumentException("fan in and fan out need a tensor of 2 or more dimensions, got "
                            + Arrays.toString(shape));
                }
                body.fill(out, shape, rng);
            }

            @Override
            public boolean needsFans() {
                return true;
            }
        };
    }
}
