package io.streamfit.nn;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemv;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A dense layer's two products with its weight for a batch of one row, as matrix-vector calls
 * into the same OpenBLAS that ND4J's GEMM uses ({@code cblas_sgemv} of JavaCPP's preset, which
 * ND4J's CPU backend itself calls into). OpenBLAS 0.3.19 runs a GEMM with one row through its
 * general kernel: for the 784x256 layer, {@code x W^T} took 117 us as {@code sgemm} and 19 us as
 * {@code sgemv}, {@code dy W} 112 against 23 us (one core of the 2-vCPU AMD EPYC, back to back);
 * a step at batch 1 (one example per record, or one prediction request) is mostly these calls.
 * The results agree with GEMM's to float32 rounding, not bit for bit (another summation order),
 * so training and prediction use the same route and agree with each other exactly.
 *
 * <p>Only float32 arrays that are one contiguous row-major run each (a parameter view inside the
 * flat buffer is); anything else returns false and the caller runs its GEMM.
 */
final class SingleRowBlas {
    private SingleRowBlas() {}

    /** {@code y[1, out] = x[1, in] W^T} with {@code W} {@code [out, in]}; false if not applicable. */
    static boolean xWt(INDArray x, INDArray w, INDArray y) {
        return gemv(CblasNoTrans, x, w, y);
    }

    /** {@code dx[1, in] = dy[1, out] W} with {@code W} {@code [out, in]}; false if not applicable. */
    static boolean dyW(INDArray dy, INDArray w, INDArray dx) {
        return gemv(CblasTrans, dy, w, dx);
    }

    private static boolean gemv(int trans, INDArray row, INDArray w, INDArray result) {
        if (row.rank() != 2 || w.rank() != 2 || result.rank() != 2) {
            return false;
        }
        long out = w.rows(), in = w.columns();
        boolean shapes = trans == CblasNoTrans ? row.columns() == in && result.columns() == out
                : row.columns() == out && result.columns() == in;
        if (!shapes || !applicable(row, w, result)) {
            return false; // the caller's GEMM then runs (and reports a shape mismatch as ever)
        }
        cblas_sgemv(CblasRowMajor, trans, (int) out, (int) in, 1f, NativeFloats.pointer(w, (int) (out * in)), (int) in,
                NativeFloats.pointer(row, (int) row.length()), 1, 0f, NativeFloats.pointer(result, (int) result.length()), 1);
        return true;
    }

    private static boolean applicable(INDArray row, INDArray w, INDArray result) {
        return row.rows() == 1 && result.rows() == 1 && NativeFloats.dense(row) && NativeFloats.dense(w)
                && NativeFloats.dense(result);
    }
}
