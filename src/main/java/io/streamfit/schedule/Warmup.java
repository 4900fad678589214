package io.streamfit.schedule;

/**
 * A warm-up in front of any schedule (Goyal et al. 2017, "Accurate, Large Minibatch SGD"), as
 * {@code torch.optim.lr_scheduler.SequentialLR([LinearLR(start_factor, 1.0, total_iters=steps),
 * inner], milestones=[steps])} does it for the linear mode:
 *
 * <pre>
 *   t <  steps:  lr_t = inner(0) * (start_factor + (1 - start_factor) * t / steps)    (linear)
 *                lr_t = inner(0) * start_factor^(1 - t / steps)                       (exponential)
 *   t >= steps:  lr_t = inner(t - steps)
 * </pre>
 *
 * The inner schedule starts its own count when the warm-up ends, so a cosine schedule after a
 * warm-up still runs its full {@code T_max}. The exponential (geometric) ramp has no PyTorch
 * class: it multiplies the rate by the same factor every step, from
 * {@code start_factor * inner(0)} to {@code inner(0)} at {@code t = steps} (the golden test's
 * reference is this formula).
 */
public record Warmup(LrSchedule inner, long steps, boolean exponential, double startFactor) implements LrSchedule {

    @Override
    public String type() {
        return inner.type();
    }

    @Override
    public double lr(long stepsDone) {
        if (stepsDone >= steps) {
            return inner.lr(stepsDone - steps);
        }
        double progress = (double) stepsDone / steps;
        double factor = exponential ? Math.pow(startFactor, 1 - progress) : startFactor + (1 - startFactor) * progress;
        return inner.lr(0) * factor;
    }

    /** The inner schedule's momentum at its first step during the warm-up, then its own. */
    @Override
    public double momentum(long stepsDone) {
        return inner.momentum(Math.max(0, stepsDone - steps));
    }

    @Override
    public MetricSchedule metricSchedule() {
        return inner.metricSchedule();
    }
}
