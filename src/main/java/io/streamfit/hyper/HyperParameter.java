package io.streamfit.hyper;

/**
 * One hyper-parameter a component (an optimizer, ...) accepts, under its PyTorch name: a number
 * within bounds, a flag, or a pair of numbers each within the bounds (Adam's {@code betas}). The
 * spec parser reads a component's list of these to validate a spec and fill in defaults; the
 * reference tables in {@code docs/} are checked against them.
 *
 * @param defaultValue a {@code Double}, a {@code Boolean} or a {@code double[2]}
 */
public record HyperParameter(String name, Kind kind, Object defaultValue, double min, boolean minExclusive, double max,
        boolean maxExclusive) {
    /** What kind of value it takes. */
    public enum Kind {
        NUMBER, FLAG, PAIR
    }

    /** A number in {@code [min, max]}, either end exclusive as said. */
    public static HyperParameter number(String name, double defaultValue, double min, boolean minExclusive, double max,
            boolean maxExclusive) {
        return new HyperParameter(name, Kind.NUMBER, defaultValue, min, minExclusive, max, maxExclusive);
    }

    /** A flag, false unless set. */
    public static HyperParameter flag(String name) {
        return new HyperParameter(name, Kind.FLAG, Boolean.FALSE, 0, false, 0, false);
    }

    /** A pair of numbers, each in {@code [min, max)}. */
    public static HyperParameter pair(String name, double first, double second, double min, double max) {
        return new HyperParameter(name, Kind.PAIR, new double[] {first, second}, min, false, max, true);
    }

    /** The default as written in a spec and in the docs: 0.001, 1e-08, false, [0.9, 0.999]. */
    public String defaultText() {
        return switch (kind) {
            case NUMBER -> text((Double) defaultValue);
            case FLAG -> defaultValue.toString();
            case PAIR -> "[" + text(((double[]) defaultValue)[0]) + ", " + text(((double[]) defaultValue)[1]) + "]";
        };
    }

    private static String text(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? Long.toString((long) v) : Double.toString(v);
    }
}
