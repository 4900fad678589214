package io.streamfit.nn;

import java.util.Arrays;

/**
 * The elementwise halves of a float32 {@link Dense} layer (and of a {@code relu} fused after it)
 * over row-major {@code [rows, n]} Java arrays, one pass each, for the JIT to vectorize: the bias
 * add and ReLU after the forward GEMM, and the ReLU mask and bias gradient before the backward
 * GEMMs. Each pass replaces one or two ND4J ops (their call overhead, not their arithmetic, is
 * what costs at these sizes). Pure functions of their inputs.
 *
 * <p>ReLU keeps ND4J's (and PyTorch's) semantics bit for bit: {@code relu(v) = v < 0 ? 0 : v}, so
 * NaN passes through (a diverging step is still seen as non-finite), and its gradient is
 * {@code dy} where {@code y > 0} and 0 elsewhere (0 at 0, as in PyTorch).
 */
final class DenseKernel {
    private DenseKernel() {}

    /** {@code z[r, j] += b[j]}, then {@code z = relu(z)} when {@code relu}, in place. */
    static void biasForward(float[] z, int rows, int n, float[] b, boolean relu) {
        for (int r = 0; r < rows; r++) {
            int o = r * n;
            if (relu) {
                for (int j = 0; j < n; j++) {
                    float v = z[o + j] + b[j];
                    z[o + j] = v < 0f ? 0f : v;
                }
            } else {
                for (int j = 0; j < n; j++) {
                    z[o + j] += b[j];
                }
            }
        }
    }

    /**
     * The gradient at the dense layer's output, in place: with {@code y} (the ReLU's output) not
     * null, {@code dy = y > 0 ? dy : 0}; then {@code db[j] = sum_r dy[r, j]}, summed in row order
     * in float32 (ND4J's column sum adds in the same order for these shapes; the tests compare
     * within float32 rounding, not bitwise).
     */
    static void biasBackward(float[] dy, float[] y, int rows, int n, float[] db) {
        Arrays.fill(db, 0, n, 0f);
        for (int r = 0; r < rows; r++) {
            int o = r * n;
            if (y != null) {
                for (int j = 0; j < n; j++) {
                    float g = y[o + j] > 0f ? dy[o + j] : 0f;
                    dy[o + j] = g;
                    db[j] += g;
                }
            } else {
                for (int j = 0; j < n; j++) {
                    db[j] += dy[o + j];
                }
            }
        }
    }
}
