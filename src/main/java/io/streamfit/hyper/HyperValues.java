package io.streamfit.hyper;

import java.util.Map;

/** A component's hyper-parameters as a validated spec holds them, defaults filled in, by PyTorch name. */
public interface HyperValues {
    /**
     * The values in {@code values}, by name: {@code Number} for numbers and counts, {@code Boolean},
     * {@code String}, {@code double[]} for a pair and {@code long[]} for a list of counts.
     */
    static HyperValues of(Map<String, Object> values) {
        return new HyperValues() {
            @Override
            public double number(String name) {
                return ((Number) values.get(name)).doubleValue();
            }

            @Override
            public boolean flag(String name) {
                return (Boolean) values.get(name);
            }

            @Override
            public double[] pair(String name) {
                return (double[]) values.get(name);
            }

            @Override
            public long count(String name) {
                return ((Number) values.get(name)).longValue();
            }

            @Override
            public String choice(String name) {
                return (String) values.get(name);
            }

            @Override
            public long[] counts(String name) {
                return (long[]) values.get(name);
            }
        };
    }

    /** A {@link HyperParameter.Kind#NUMBER}. */
    double number(String name);

    /** A {@link HyperParameter.Kind#FLAG}. */
    boolean flag(String name);

    /** A {@link HyperParameter.Kind#PAIR}. */
    double[] pair(String name);

    /** A {@link HyperParameter.Kind#COUNT}. */
    default long count(String name) {
        throw new UnsupportedOperationException(name + " is not a count here");
    }

    /** A {@link HyperParameter.Kind#CHOICE}. */
    default String choice(String name) {
        throw new UnsupportedOperationException(name + " is not a choice here");
    }

    /** A {@link HyperParameter.Kind#COUNTS}. */
    default long[] counts(String name) {
        throw new UnsupportedOperationException(name + " is not a list of counts here");
    }
}
