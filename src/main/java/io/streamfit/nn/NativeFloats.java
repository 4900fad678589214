package io.streamfit.nn;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between a dense float32 ND4J array (or a contiguous view such as a parameter
 * tensor inside the flat buffer) and a Java {@code float[]}: one JNI memcpy each way. This is
 * what lets a layer run its elementwise work as one fused Java loop the JIT vectorizes instead
 * of several ND4J ops (each 6-25 us of call overhead here; a 64 KB copy is about 1-2 us).
 */
final class NativeFloats {
    private NativeFloats() {}

    /** Copies the first {@code n} elements of {@code a} (row-major) into {@code dst}. */
    static float[] get(INDArray a, float[] dst, int n) {
        pointer(a, n).get(dst, 0, n);
        return dst;
    }

    /** Copies {@code src[0, n)} into {@code a} (row-major). */
    static void put(float[] src, int n, INDArray a) {
        pointer(a, n).put(src, 0, n);
    }

    /** Whether {@link #get}/{@link #put} may address {@code a} as one contiguous float run. */
    static boolean dense(INDArray a) {
        // A vector's ordering flag is arbitrary (a 1-D view of the flat buffer reports 'f'); its
        // element-wise stride says whether it is contiguous. Matrices must be row-major too.
        return a.dataType() == DataType.FLOAT && a.elementWiseStride() == 1
                && (a.rank() <= 1 || a.isVector() || a.ordering() == 'c');
    }

    /** The address of {@code a}'s first element, checked to be a dense float32 run of at least {@code n}. */
    static FloatPointer pointer(INDArray a, int n) {
        if (!dense(a) || a.length() < n) {
            throw new IllegalArgumentException("expected a dense float32 row-major array of at least " + n
                    + " elements, got " + a.dataType() + " " + a.ordering() + " view=" + a.isView() + " length " + a.length());
        }
        // A view's addressPointer() already points at its first element.
        return (FloatPointer) a.data().addressPointer();
    }

    /** {@code buffer} if it holds {@code n} floats, else a new array of {@code n}. */
    static float[] sized(float[] buffer, int n) {
        return buffer != null && buffer.length >= n ? buffer : new float[n];
    }
}
