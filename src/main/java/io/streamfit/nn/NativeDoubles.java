package io.streamfit.nn;

import org.bytedeco.javacpp.DoublePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between a dense ND4J array, float64 or float32, and a Java {@code double[]}: one
 * JNI memcpy each way for float64, a memcpy and a widening (or narrowing) pass for float32. The
 * recurrent layers keep their per-step arithmetic in double precision in Java and let BLAS run
 * the matrix products in the model's own precision.
 */
final class NativeDoubles {
    private NativeDoubles() {}

    /** Copies the first {@code n} elements of {@code a} (row-major) into {@code dst[0, n)}. */
    static double[] get(INDArray a, double[] dst, int n) {
        check(a, n);
        if (a.dataType() == DataType.DOUBLE) {
            ((DoublePointer) a.data().addressPointer()).get(dst, 0, n);
        } else {
            float[] f = NativeFloats.get(a, new float[n], n);
            for (int i = 0; i < n; i++) {
                dst[i] = f[i];
            }
        }
        return dst;
    }

    /** Copies {@code src[offset, offset + n)} into the first {@code n} elements of {@code a} (row-major). */
    static void put(double[] src, int offset, int n, INDArray a) {
        check(a, n);
        if (a.dataType() == DataType.DOUBLE) {
            ((DoublePointer) a.data().addressPointer()).put(src, offset, n);
        } else {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) src[offset + i];
            }
            NativeFloats.put(f, n, a);
        }
    }

    /** Whether {@code a} is one contiguous row-major run of {@code type}. */
    static boolean isDense(INDArray a, DataType type) {
        return a.dataType() == type && a.elementWiseStride() == 1 && (a.rank() <= 1 || a.isVector() || a.ordering() == 'c');
    }

    /** {@code a} itself when it is a {@link #isDense} run of {@code type}, else a dense copy in {@code type}. */
    static INDArray dense(INDArray a, DataType type) {
        return isDense(a, type) ? a : a.castTo(type).dup('c');
    }

    private static void check(INDArray a, int n) {
        boolean ok = (a.dataType() == DataType.DOUBLE || a.dataType() == DataType.FLOAT) && isDense(a, a.dataType());
        if (!ok || a.length() < n) {
            throw new IllegalArgumentException("expected a dense row-major float64 or float32 array of at least " + n
                    + " elements, got " + a.dataType() + " " + a.ordering() + " length " + a.length());
        }
    }
}
