package io.streamfit.schedule;

import static io.streamfit.schedule.ScheduleKind.nonNegative;
import static io.streamfit.schedule.ScheduleKind.steps;

import java.util.List;

/**
 * Polynomial decay to zero, {@code torch.optim.lr_scheduler.PolynomialLR(total_iters, power)}:
 * {@code lr * (1 - min(t, total_iters) / total_iters)^power}.
 */
public record PolynomialLr(double baseLr, long totalIters, double power) implements LrSchedule {
    /** The spec's {@code polynomial}: {@code PolynomialLR}. */
    public static final ScheduleKind KIND = new ScheduleKind("polynomial", "PolynomialLR",
            List.of(steps("total_iters", 5L, 1), nonNegative("power", 1.0)), List.of(),
            (lr, h) -> new PolynomialLr(lr, h.count("total_iters"), h.number("power")));

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr * Math.pow(1.0 - (double) Math.min(totalIters, stepsDone) / totalIters, power);
    }
}
