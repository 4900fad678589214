package io.streamfit.schedule;

import java.util.List;

/** Exponential decay, {@code torch.optim.lr_scheduler.ExponentialLR(gamma)}: {@code lr * gamma^t}. */
public record ExponentialLr(double baseLr, double gamma) implements LrSchedule {
    /** The spec's {@code exponential}: {@code ExponentialLR}. */
    public static final ScheduleKind KIND = new ScheduleKind("exponential", "ExponentialLR", List.of(ScheduleKind.gamma(null)),
            List.of(), (lr, h) -> new ExponentialLr(lr, h.number("gamma")));

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr * Math.pow(gamma, stepsDone);
    }
}
