package io.streamfit.schedule;

/** Exponential decay, {@code torch.optim.lr_scheduler.ExponentialLR(gamma)}: {@code lr * gamma^t}. */
public record ExponentialLr(double baseLr, double gamma) implements LrSchedule {

    @Override
    public String type() {
        return "exponential";
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr * Math.pow(gamma, stepsDone);
    }
}
