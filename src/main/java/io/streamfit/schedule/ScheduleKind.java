package io.streamfit.schedule;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperRule;
import io.streamfit.hyper.HyperValues;
import java.util.List;

/**
 * Everything the rest of streamfit needs to know about one learning-rate schedule, declared once,
 * in the schedule's own class: its spec name, what it matches ({@code torch.optim.lr_scheduler}'s
 * class, or TensorFlow's where PyTorch has none), its parameters (PyTorch's names and defaults,
 * with bounds), the rules between them, and how to build it from the optimizer's learning rate.
 * The spec parser, the model factory and the docs' schedule table (checked by a test) read it.
 * Adding a schedule is its class with a {@code KIND} and one line in {@link Schedules}; the
 * modifiers {@link Warmup} and {@link LinearScaling} compose with any of them.
 */
public record ScheduleKind(String name, String matches, List<HyperParameter> params, List<HyperRule> rules, Factory factory) {

    /** Builds the schedule; {@code lr} is the optimizer's learning rate. */
    public interface Factory {
        LrSchedule create(double lr, HyperValues hyper);
    }

    /** Step counts: at least 1, at most a count no stream reaches. */
    static final long FOREVER = Long.MAX_VALUE / 4;
    private static final double HUGE = 1e6;

    /** A required or defaulted count of steps, at least {@code min}. */
    static HyperParameter steps(String name, Long defaultValue, long min) {
        return HyperParameter.count(name, defaultValue, min, FOREVER);
    }

    /**
     * A decay factor in (0, 1]. PyTorch accepts any gamma, but one above 1 grows the rate
     * geometrically until it overflows, after which every step is skipped for good.
     */
    static HyperParameter gamma(Double defaultValue) {
        return HyperParameter.number("gamma", defaultValue, 0, true, 1, false);
    }

    /** A non-negative number without a useful upper bound (rates, powers). */
    static HyperParameter nonNegative(String name, Double defaultValue) {
        return HyperParameter.number(name, defaultValue, 0, false, HUGE, false);
    }

    /** A positive number without a useful upper bound (peak rates, divisors). */
    static HyperParameter positive(String name, Double defaultValue) {
        return HyperParameter.number(name, defaultValue, 0, true, HUGE, false);
    }
}
