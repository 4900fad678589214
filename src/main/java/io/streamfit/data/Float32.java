package io.streamfit.data;

/**
 * Narrowing decoded numbers to float32, the precision the model computes in. Guarantee: a value
 * that is finite as a double but beyond float32's range (such as {@code 3.5e38}) is never
 * silently turned into infinity; callers refuse it with {@link #beyondRange}, naming the element.
 * Values that round to zero or to a neighbouring float are ordinary rounding and pass.
 */
public final class Float32 {
    private Float32() {}

    /** True when {@code v} is finite and stays finite as a float. */
    public static boolean fits(double v) {
        return Float.isFinite((float) v);
    }

    /** The refusal of a finite double that does not fit: {@code x[0][3] is 3.5E38, beyond float32 range}. */
    public static String beyondRange(String path, double v) {
        return path + " is " + v + ", beyond float32 range";
    }
}
