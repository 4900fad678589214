package io.streamfit.hyper;

import java.util.Map;

/**
 * A component's hyper-parameters as a validated spec holds them, defaults filled in, by PyTorch
 * name: {@code Number} for numbers and counts, {@code Boolean}, {@code String}, {@code double[]}
 * for a pair and {@code long[]} for a list of counts. An implementation says only where the
 * values are ({@link #value}); the typed reads are the same for all.
 */
public interface HyperValues {
    /** The values in {@code values}, by name. */
    static HyperValues of(Map<String, Object> values) {
        return values::get;
    }

    /** The value of {@code name} as the spec parser stored it. */
    Object value(String name);

    /** A {@link HyperParameter.Kind#NUMBER}. */
    default double number(String name) {
        return ((Number) value(name)).doubleValue();
    }

    /** A {@link HyperParameter.Kind#FLAG}. */
    default boolean flag(String name) {
        return (Boolean) value(name);
    }

    /** A {@link HyperParameter.Kind#PAIR}. */
    default double[] pair(String name) {
        return (double[]) value(name);
    }

    /** A {@link HyperParameter.Kind#COUNT}. */
    default long count(String name) {
        return ((Number) value(name)).longValue();
    }

    /** A {@link HyperParameter.Kind#CHOICE}. */
    default String choice(String name) {
        return (String) value(name);
    }

    /** A {@link HyperParameter.Kind#COUNTS}. */
    default long[] counts(String name) {
        return (long[]) value(name);
    }
}
