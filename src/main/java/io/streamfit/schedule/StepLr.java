package io.streamfit.schedule;

import static io.streamfit.schedule.ScheduleKind.steps;

import java.util.List;

/** Step decay, {@code torch.optim.lr_scheduler.StepLR(step_size, gamma)}: {@code lr * gamma^floor(t / step_size)}. */
public record StepLr(double baseLr, long stepSize, double gamma) implements LrSchedule {
    /** The spec's {@code step}: {@code StepLR}. */
    public static final ScheduleKind KIND = new ScheduleKind("step", "StepLR",
            List.of(steps("step_size", null, 1), ScheduleKind.gamma(0.1)), List.of(),
            (lr, h) -> new StepLr(lr, h.count("step_size"), h.number("gamma")));

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr * Math.pow(gamma, stepsDone / stepSize);
    }
}
