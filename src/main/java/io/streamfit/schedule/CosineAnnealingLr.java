package io.streamfit.schedule;

/**
 * Cosine annealing (Loshchilov and Hutter 2017), {@code torch.optim.lr_scheduler.CosineAnnealingLR(T_max, eta_min)}:
 * {@code eta_min + (lr - eta_min) * (1 + cos(pi * t / T_max)) / 2}. Past {@code T_max} the
 * cosine continues (rising back to {@code lr} at {@code 2 T_max}), as PyTorch's does.
 */
public record CosineAnnealingLr(double baseLr, long tMax, double etaMin) implements LrSchedule {

    @Override
    public String type() {
        return "cosine";
    }

    @Override
    public double lr(long stepsDone) {
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * stepsDone / tMax)) / 2;
    }
}
