package io.streamfit.nn;

import org.bytedeco.javacpp.DoublePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between a dense float64 ND4J array and a Java {@code double[]}: one JNI memcpy each
 * way ({@link NativeFloats}' twin, for the recurrent layers, which compute in double precision).
 */
final class NativeDoubles {
    private NativeDoubles() {}

    /** Copies the first {@code n} elements of {@code a} (row-major) into {@code dst[0, n)}. */
    static double[] get(INDArray a, double[] dst, int n) {
        pointer(a, n).get(dst, 0, n);
        return dst;
    }

    /** Copies {@code src[offset, offset + n)} into the first {@code n} elements of {@code a} (row-major). */
    static void put(double[] src, int offset, int n, INDArray a) {
        pointer(a, n).put(src, offset, n);
    }

    /** Whether {@code a} is one contiguous row-major float64 run. */
    static boolean dense(INDArray a) {
        return a.dataType() == DataType.DOUBLE && a.elementWiseStride() == 1
                && (a.rank() <= 1 || a.isVector() || a.ordering() == 'c');
    }

    /** {@code a} itself when it is {@link #dense}, else a dense float64 copy. */
    static INDArray dense64(INDArray a) {
        return dense(a) ? a : a.castTo(DataType.DOUBLE).dup('c');
    }

    private static DoublePointer pointer(INDArray a, int n) {
        if (!dense(a) || a.length() < n) {
            throw new IllegalArgumentException("expected a dense float64 row-major array of at least " + n
                    + " elements, got " + a.dataType() + " " + a.ordering() + " length " + a.length());
        }
        return (DoublePointer) a.data().addressPointer();
    }
}
