package io.streamfit.hyper;

import java.util.List;

/**
 * One hyper-parameter a component (an optimizer, a learning-rate schedule) accepts, under its
 * PyTorch name: a number or a count within bounds, a flag, a choice among names, a pair of numbers
 * (Adam's {@code betas}) or an increasing list of counts (milestones). The spec parser reads a
 * component's list of these to validate a spec and fill in defaults; the reference tables in
 * {@code docs/} are checked against them.
 *
 * @param defaultValue a {@code Double}, {@code Long}, {@code Boolean}, {@code String} or
 *     {@code double[2]}; null when the parameter is required or its default comes from elsewhere
 * @param defaultFrom  when not null, the default is the value of this earlier parameter, or the
 *     optimizer's learning rate for {@code "lr"}
 * @param choices      the names a {@link Kind#CHOICE} accepts
 */
public record HyperParameter(String name, Kind kind, Object defaultValue, double min, boolean minExclusive, double max,
        boolean maxExclusive, List<String> choices, String defaultFrom) {
    /** What kind of value it takes. */
    public enum Kind {
        NUMBER, COUNT, FLAG, PAIR, CHOICE, COUNTS
    }

    /** A number in {@code [min, max]}, either end exclusive as said; a null default makes it required. */
    public static HyperParameter number(String name, Double defaultValue, double min, boolean minExclusive, double max,
            boolean maxExclusive) {
        return new HyperParameter(name, Kind.NUMBER, defaultValue, min, minExclusive, max, maxExclusive, List.of(), null);
    }

    /** A whole number in {@code [min, max]}; a null default makes it required. */
    public static HyperParameter count(String name, Long defaultValue, long min, long max) {
        return new HyperParameter(name, Kind.COUNT, defaultValue, min, false, max, false, List.of(), null);
    }

    /** A flag, false unless set. */
    public static HyperParameter flag(String name) {
        return flag(name, false);
    }

    /** A flag, {@code defaultValue} unless set. */
    public static HyperParameter flag(String name, boolean defaultValue) {
        return new HyperParameter(name, Kind.FLAG, defaultValue, 0, false, 0, false, List.of(), null);
    }

    /** A pair of numbers, each in {@code [min, max)}. */
    public static HyperParameter pair(String name, double first, double second, double min, double max) {
        return new HyperParameter(name, Kind.PAIR, new double[] {first, second}, min, false, max, true, List.of(), null);
    }

    /** One of {@code choices}, {@code defaultValue} when absent. */
    public static HyperParameter choice(String name, String defaultValue, String... choices) {
        return new HyperParameter(name, Kind.CHOICE, defaultValue, 0, false, 0, false, List.of(choices), null);
    }

    /** A required, non-empty list of increasing counts, each at least 1. */
    public static HyperParameter increasingCounts(String name) {
        return new HyperParameter(name, Kind.COUNTS, null, 1, false, Long.MAX_VALUE, false, List.of(), null);
    }

    /** This parameter, defaulting to the value of {@code other} (an earlier parameter, or {@code "lr"}: the optimizer's). */
    public HyperParameter defaultingTo(String other) {
        return new HyperParameter(name, kind, null, min, minExclusive, max, maxExclusive, choices, other);
    }

    /** Whether a spec must give it. */
    public boolean required() {
        return defaultValue == null && defaultFrom == null;
    }

    /** The default as the docs write it: 0.001, 1.0E-8, false, [0.9, 0.999], cos, "required", "= lr". */
    public String defaultText() {
        if (defaultFrom != null) {
            return "= " + defaultFrom;
        }
        if (defaultValue == null) {
            return "required";
        }
        return switch (kind) {
            case NUMBER -> format((Double) defaultValue);
            case PAIR -> "[" + format(((double[]) defaultValue)[0]) + ", " + format(((double[]) defaultValue)[1]) + "]";
            default -> defaultValue.toString();
        };
    }

    /** A number as specs and messages write it: whole numbers without a fraction, others as Java prints them. */
    public static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
