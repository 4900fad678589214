package io.streamfit.search;

import io.streamfit.nn.SplitMix64;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one hyper-parameter of a search may lie: a spec field written as {@code {choice: [...]}},
 * {@code {uniform: [lo, hi]}}, {@code {log_uniform: [lo, hi]}} or {@code {int_uniform: [lo, hi]}}.
 * The samplers see every numeric space through its unit coordinate {@code u} in {@code [0, 1]}
 * ({@link #toUnit}, {@link #fromUnit}): linear for uniform, logarithmic for log-uniform, and for
 * integers the cell {@code [lo - 0.5, hi + 0.5]} rounded, so each integer has an equal share.
 */
public sealed interface Space {
    /** A value drawn from the space's own prior: uniform in its unit coordinate, or one choice. */
    Object sample(SplitMix64 rng);

    /** {@code k} values spread over the space for a grid: cell centres in the unit coordinate, or every choice. */
    List<Object> grid(int k);

    /** The value that stands for the space where one value is needed (the service's representative spec): the middle choice, or the unit coordinate's middle. */
    Object middle();

    /** One of the listed values (numbers, names or flags), each equally likely a priori. */
    record Choice(List<Object> values) implements Space {
        public Choice {
            if (values.isEmpty()) {
                throw new IllegalArgumentException("choice needs at least one value");
            }
            values = List.copyOf(values);
        }

        @Override
        public Object sample(SplitMix64 rng) {
            return values.get((int) Math.min(values.size() - 1, Math.floor(rng.nextDouble() * values.size())));
        }

        @Override
        public List<Object> grid(int k) {
            return values;
        }

        @Override
        public Object middle() {
            return values.get((values.size() - 1) / 2);
        }

        /** The index of {@code value} among the choices, -1 when it is not one. */
        public int indexOf(Object value) {
            return values.indexOf(value);
        }
    }

    /** A numeric space with a unit coordinate. */
    sealed interface Numeric extends Space permits Uniform, LogUniform, IntUniform {
        /** The value at unit coordinate {@code u} (clamped to [0, 1]). */
        Object fromUnit(double u);

        /** The unit coordinate of {@code value}. */
        double toUnit(Object value);

        @Override
        default Object sample(SplitMix64 rng) {
            return fromUnit(rng.nextDouble());
        }

        @Override
        default Object middle() {
            return fromUnit(0.5);
        }

        @Override
        default List<Object> grid(int k) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                Object v = fromUnit((i + 0.5) / k);
                if (!out.contains(v)) {
                    out.add(v);
                }
            }
            return out;
        }
    }

    /** A real number uniform in {@code [lo, hi]}. */
    record Uniform(double lo, double hi) implements Numeric {
        public Uniform {
            if (!(lo < hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
                throw new IllegalArgumentException("uniform needs finite bounds lo < hi, got [" + lo + ", " + hi + "]");
            }
        }

        @Override
        public Object fromUnit(double u) {
            return lo + (hi - lo) * clamp(u);
        }

        @Override
        public double toUnit(Object value) {
            return (((Number) value).doubleValue() - lo) / (hi - lo);
        }
    }

    /** A positive real number whose logarithm is uniform in {@code [log lo, log hi]}: learning rates, decays. */
    record LogUniform(double lo, double hi) implements Numeric {
        public LogUniform {
            if (!(lo > 0 && lo < hi) || !Double.isFinite(hi)) {
                throw new IllegalArgumentException("log_uniform needs bounds 0 < lo < hi, got [" + lo + ", " + hi + "]");
            }
        }

        @Override
        public Object fromUnit(double u) {
            return Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * clamp(u));
        }

        @Override
        public double toUnit(Object value) {
            return (Math.log(((Number) value).doubleValue()) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
        }
    }

    /** A whole number uniform in {@code [lo, hi]}, both included: widths, counts. */
    record IntUniform(long lo, long hi) implements Numeric {
        public IntUniform {
            if (lo > hi) {
                throw new IllegalArgumentException("int_uniform needs lo <= hi, got [" + lo + ", " + hi + "]");
            }
        }

        @Override
        public Object fromUnit(double u) {
            return Math.min(hi, Math.max(lo, Math.round(lo - 0.5 + (hi - lo + 1) * clamp(u))));
        }

        @Override
        public double toUnit(Object value) {
            return (((Number) value).longValue() - lo + 0.5) / (hi - lo + 1);
        }
    }

    private static double clamp(double u) {
        return Math.max(0, Math.min(1, u));
    }
}
