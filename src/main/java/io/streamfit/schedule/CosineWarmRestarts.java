package io.streamfit.schedule;

import static io.streamfit.schedule.ScheduleKind.nonNegative;
import static io.streamfit.schedule.ScheduleKind.steps;

import io.streamfit.hyper.HyperParameter;
import java.util.List;

/**
 * SGDR, cosine annealing with warm restarts (Loshchilov and Hutter 2017),
 * {@code torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(T_0, T_mult, eta_min)} stepped
 * without an epoch argument: cycle {@code i} lasts {@code T_i = T_0 * T_mult^i} steps, and within
 * it {@code lr_t = eta_min + (lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2}.
 */
public record CosineWarmRestarts(double baseLr, long t0, long tMult, double etaMin) implements LrSchedule {
    /** The spec's {@code cosine_warm_restarts}: {@code CosineAnnealingWarmRestarts}. */
    public static final ScheduleKind KIND = new ScheduleKind("cosine_warm_restarts", "CosineAnnealingWarmRestarts",
            List.of(steps("T_0", null, 1), HyperParameter.count("T_mult", 1L, 1, 1000), nonNegative("eta_min", 0.0)),
            List.of(), (lr, h) -> new CosineWarmRestarts(lr, h.count("T_0"), h.count("T_mult"), h.number("eta_min")));

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        long tCur = stepsDone;
        long tI = t0;
        // Cycles grow geometrically when T_mult > 1, so this loop runs O(log t) times; with
        // T_mult = 1 it is a remainder.
        if (tMult == 1) {
            tCur = stepsDone % t0;
        } else {
            while (tCur >= tI) {
                tCur -= tI;
                tI = Math.multiplyExact(tI, tMult);
            }
        }
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * tCur / tI)) / 2;
    }
}
