package io.streamfit.landscape;

import io.streamfit.nn.SplitMix64;
import io.streamfit.nn.SymmetricEigen;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The test model whose Hessian is known in closed form: one dense layer {@code y = x W^T + b}
 * ({@code in -> k}, no activation) under the project's MSE, which averages over all {@code N k}
 * elements ({@code MeanSquaredError}: {@code L = (1/(N k)) sum (y - t)^2}). With {@code A = [X | 1]}
 * ({@code N x (in + 1)}) and the parameters grouped by output unit, {@code (W_o, b_o)},
 *
 * <pre>
 *   H = (2 / (N k)) (I_k (x) A^T A)
 * </pre>
 *
 * block diagonal with {@code k} equal blocks, so its eigenvalues are those of {@code (2/(N k)) A^T A},
 * each {@code k} times. The flat layout is {@code 0.weight} ({@code [k, in]} row-major) then
 * {@code 0.bias}, so {@link #index} maps (unit, column of A) to the flat position.
 */
final class Quadratic {
    final int n;
    final int in;
    final int k;
    final ModelSpec spec;
    final INDArray x;
    final float[] targets;
    final LossSurface surface;

    Quadratic(int n, int in, int k, String extra) {
        this.n = n;
        this.in = in;
        this.k = k;
        this.spec = SpecParser.parse("""
                id: quadratic
                topic: t
                input_width: %d
                task: {type: regression, outputs: %d}
                layers: [{type: dense, units: %d}]
                optimizer: {type: sgd, lr: 0.1}
                batch_size: 8
                %s
                """.formatted(in, k, k, extra));
        SplitMix64 rng = new SplitMix64(2024);
        // Features of different scales and means: well-separated eigenvalues, and the bias couples to them.
        double[] xs = new double[n * in];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < in; i++) {
                xs[r * in + i] = (0.5 + i) * rng.nextGaussian() + 0.5 * (i + 1);
            }
        }
        this.x = Nd4j.create(xs, new long[] {n, in}, DataType.DOUBLE);
        this.targets = new float[n * k];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (float) rng.nextGaussian();
        }
        ModelState live = ModelState.fresh(spec);
        this.surface = new LossSurface(spec, live.network().params().dup(), live.network().buffers().dup(), x, targets, 7);
    }

    /** Flat index of unit {@code o}'s coefficient on column {@code i} of A (column {@code in} is the bias). */
    int index(int o, int i) {
        return i < in ? o * in + i : k * in + o;
    }

    /** {@code (2 / (N k)) A^T A}, row-major {@code (in + 1) x (in + 1)}. */
    double[] block() {
        int m = in + 1;
        double[] b = new double[m * m];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    b[i * m + j] += a(r, i) * a(r, j) * 2.0 / (n * k);
                }
            }
        }
        return b;
    }

    private double a(int r, int i) {
        return i < in ? x.getDouble(r, i) : 1;
    }

    /** The full Hessian, row-major {@code P x P}. */
    double[] hessian() {
        int p = k * (in + 1);
        int m = in + 1;
        double[] block = block();
        double[] h = new double[p * p];
        for (int o = 0; o < k; o++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    h[index(o, i) * p + index(o, j)] = block[i * m + j];
                }
            }
        }
        return h;
    }

    /** Exact {@code H v}. */
    INDArray hessianTimes(INDArray v) {
        int p = k * (in + 1);
        double[] h = hessian();
        double[] out = new double[p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                out[i] += h[i * p + j] * v.getDouble(j);
            }
        }
        return Nd4j.create(out, new long[] {p}, DataType.DOUBLE);
    }

    /** The largest eigenvalue of {@code (2/(N k)) A^T A}, by Jacobi. */
    double topEigenvalue() {
        return SymmetricEigen.of(block(), in + 1).values()[0];
    }

    static INDArray unitGaussian(long n, SplitMix64 rng) {
        double[] g = new double[Math.toIntExact(n)];
        for (int i = 0; i < g.length; i++) {
            g[i] = rng.nextGaussian();
        }
        INDArray v = Nd4j.create(g, new long[] {g.length}, DataType.DOUBLE);
        return v.divi(v.norm2Number());
    }
}
