package io.streamfit.schedule;

/** Step decay, {@code torch.optim.lr_scheduler.StepLR(step_size, gamma)}: {@code lr * gamma^floor(t / step_size)}. */
public record StepLr(double baseLr, long stepSize, double gamma) implements LrSchedule {

    @Override
    public String type() {
        return "step";
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr * Math.pow(gamma, stepsDone / stepSize);
    }
}
