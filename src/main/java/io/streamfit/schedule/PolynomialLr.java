package io.streamfit.schedule;

/**
 * Polynomial decay to zero, {@code torch.optim.lr_scheduler.PolynomialLR(total_iters, power)}:
 * {@code lr * (1 - min(t, total_iters) / total_iters)^power}.
 */
public record PolynomialLr(double baseLr, long totalIters, double power) implements LrSchedule {

    @Override
    public String type() {
        return "polynomial";
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr * Math.pow(1.0 - (double) Math.min(totalIters, stepsDone) / totalIters, power);
    }
}
