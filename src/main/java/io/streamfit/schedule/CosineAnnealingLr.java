package io.streamfit.schedule;

import static io.streamfit.schedule.ScheduleKind.nonNegative;
import static io.streamfit.schedule.ScheduleKind.steps;

import java.util.List;

/**
 * Cosine annealing (Loshchilov and Hutter 2017), {@code torch.optim.lr_scheduler.CosineAnnealingLR(T_max, eta_min)}:
 * {@code eta_min + (lr - eta_min) * (1 + cos(pi * t / T_max)) / 2}. Past {@code T_max} the
 * cosine continues (rising back to {@code lr} at {@code 2 T_max}), as PyTorch's does.
 */
public record CosineAnnealingLr(double baseLr, long tMax, double etaMin) implements LrSchedule {
    /** The spec's {@code cosine}: {@code CosineAnnealingLR}. */
    public static final ScheduleKind KIND = new ScheduleKind("cosine", "CosineAnnealingLR",
            List.of(steps("T_max", null, 1), nonNegative("eta_min", 0.0)), List.of(),
            (lr, h) -> new CosineAnnealingLr(lr, h.count("T_max"), h.number("eta_min")));

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * stepsDone / tMax)) / 2;
    }
}
