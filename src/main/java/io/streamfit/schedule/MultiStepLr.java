package io.streamfit.schedule;

import io.streamfit.hyper.HyperParameter;
import java.util.List;

/**
 * Piecewise-constant decay, {@code torch.optim.lr_scheduler.MultiStepLR(milestones, gamma)}:
 * {@code lr * gamma^k} where {@code k} is the number of milestones {@code <= t}.
 */
public record MultiStepLr(double baseLr, long[] milestones, double gamma) implements LrSchedule {
    /** The spec's {@code multistep}: {@code MultiStepLR}. */
    public static final ScheduleKind KIND = new ScheduleKind("multistep", "MultiStepLR",
            List.of(HyperParameter.increasingCounts("milestones"), ScheduleKind.gamma(0.1)), List.of(),
            (lr, h) -> new MultiStepLr(lr, h.counts("milestones").clone(), h.number("gamma")));

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        int passed = 0;
        for (long m : milestones) {
            if (m <= stepsDone) {
                passed++;
            }
        }
        return baseLr * Math.pow(gamma, passed);
    }
}
