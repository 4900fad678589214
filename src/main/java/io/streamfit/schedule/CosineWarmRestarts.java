package io.streamfit.schedule;

/**
 * SGDR, cosine annealing with warm restarts (Loshchilov and Hutter 2017),
 * {@code torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(T_0, T_mult, eta_min)} stepped
 * without an epoch argument: cycle {@code i} lasts {@code T_i = T_0 * T_mult^i} steps, and within
 * it {@code lr_t = eta_min + (lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2}.
 */
public record CosineWarmRestarts(double baseLr, long t0, long tMult, double etaMin) implements LrSchedule {

    @Override
    public String type() {
        return "cosine_warm_restarts";
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
