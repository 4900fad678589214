package io.streamfit.nn;

import java.util.Arrays;

/**
 * Eigendecomposition of a real symmetric matrix by the cyclic Jacobi method (Golub and Van Loan,
 * section 8.5): plane rotations zero the off-diagonal entries sweep by sweep until they are
 * negligible. Slower than LAPACK's tridiagonal methods but short, exact to rounding, independent
 * of the native library, and deterministic: the same matrix always gives the same vectors. Each
 * eigenvector's sign is fixed so that its largest-magnitude component is positive.
 *
 * @param values eigenvalues in decreasing order
 * @param vectors row-major {@code n x n}; row {@code k} is the eigenvector of {@code values[k]}
 */
public record SymmetricEigen(double[] values, double[] vectors, int n) {
    private static final int MAX_SWEEPS = 100;

    /** Eigenvector {@code k} (a copy). */
    public double[] vector(int k) {
        double[] v = new double[n];
        System.arraycopy(vectors, k * n, v, 0, n);
        return v;
    }

    /** Decomposes the symmetric row-major {@code n x n} matrix {@code a} (not modified). */
    public static SymmetricEigen of(double[] a, int n) {
        double[] m = a.clone();
        double[] v = new double[n * n];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            double diag = 0;
            for (int i = 0; i < n; i++) {
                diag += m[i * n + i] * m[i * n + i];
                for (int j = i + 1; j < n; j++) {
                    off += m[i * n + j] * m[i * n + j];
                }
            }
            if (off <= 1e-30 * Math.max(diag, Double.MIN_NORMAL)) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = m[p * n + q];
                    if (apq == 0) {
                        continue;
                    }
                    double theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    rotate(m, v, n, p, q, c, s);
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        final double[] mm = m;
        Arrays.sort(order, (x, y) -> Double.compare(mm[y * n + y], mm[x * n + x]));
        double[] values = new double[n];
        double[] vectors = new double[n * n];
        for (int k = 0; k < n; k++) {
            int col = order[k];
            values[k] = m[col * n + col];
            int big = 0;
            for (int i = 0; i < n; i++) {
                if (Math.abs(v[i * n + col]) > Math.abs(v[big * n + col])) {
                    big = i;
                }
            }
            double sign = v[big * n + col] < 0 ? -1 : 1;
            for (int i = 0; i < n; i++) {
                vectors[k * n + i] = sign * v[i * n + col];
            }
        }
        return new SymmetricEigen(values, vectors, n);
    }

    /** Applies the rotation J(p, q, c, s): m = J^T m J, v = v J. */
    private static void rotate(double[] m, double[] v, int n, int p, int q, double c, double s) {
        for (int k = 0; k < n; k++) {
            double mkp = m[k * n + p];
            double mkq = m[k * n + q];
            m[k * n + p] = c * mkp - s * mkq;
            m[k * n + q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < n; k++) {
            double mpk = m[p * n + k];
            double mqk = m[q * n + k];
            m[p * n + k] = c * mpk - s * mqk;
            m[q * n + k] = s * mpk + c * mqk;
        }
        for (int k = 0; k < n; k++) {
            double vkp = v[k * n + p];
            double vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }
}
