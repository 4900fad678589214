package io.streamfit.nn;

import java.util.Arrays;

/**
 * The fused float32 layer-norm passes over row-major {@code [rows, n]} Java arrays: row
 * statistics accumulated in float64 (PyTorch's CPU kernel accumulates in a wider type too), the
 * per-element work in float32. Pure functions of their inputs, so the same batch always gives the
 * same bits.
 */
final class LayerNormKernel {
    private LayerNormKernel() {}

    /** {@code y = (x - mean) * rstd * w + b} per row. */
    static void forward(float[] x, int rows, int n, float[] w, float[] b, float eps, float[] y) {
        for (int r = 0; r < rows; r++) {
            int o = r * n;
            float mean = mean(x, o, n);
            float rstd = rstd(x, o, n, mean, eps);
            for (int j = 0; j < n; j++) {
                y[o + j] = (x[o + j] - mean) * rstd * w[j] + b[j];
            }
        }
    }

    /**
     * Writes {@code dw = sum_rows(dy * xhat)}, {@code db = sum_rows(dy)} and, when {@code dx} is
     * not null, {@code dx = rstd * (g - mean(g) - xhat * mean(g * xhat))} with {@code g = dy * w}.
     * {@code dx} may be {@code x} itself (each row is read before it is written).
     */
    static void backward(float[] x, float[] dy, int rows, int n, float[] w, float eps, float[] dx, float[] dw, float[] db) {
        Arrays.fill(dw, 0, n, 0f);
        Arrays.fill(db, 0, n, 0f);
        for (int r = 0; r < rows; r++) {
            int o = r * n;
            float mean = mean(x, o, n);
            float rstd = rstd(x, o, n, mean, eps);
            double sumG = 0;
            double sumGx = 0;
            for (int j = 0; j < n; j++) {
                float xhat = (x[o + j] - mean) * rstd;
                float d = dy[o + j];
                float g = d * w[j];
                dw[j] += d * xhat;
                db[j] += d;
                sumG += g;
                sumGx += g * xhat;
            }
            if (dx != null) {
                float meanG = (float) (sumG / n);
                float meanGx = (float) (sumGx / n);
                for (int j = 0; j < n; j++) {
                    float xhat = (x[o + j] - mean) * rstd;
                    dx[o + j] = rstd * (dy[o + j] * w[j] - meanG - xhat * meanGx);
                }
            }
        }
    }

    private static float mean(float[] x, int o, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += x[o + j];
        }
        return (float) (s / n);
    }

    private static float rstd(float[] x, int o, int n, float mean, float eps) {
        double s = 0;
        for (int j = 0; j < n; j++) {
            double c = x[o + j] - mean;
            s += c * c;
        }
        return (float) (1.0 / Math.sqrt(s / n + eps));
    }
}
