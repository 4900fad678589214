package io.streamfit.schedule;

/**
 * Piecewise-constant decay, {@code torch.optim.lr_scheduler.MultiStepLR(milestones, gamma)}:
 * {@code lr * gamma^k} where {@code k} is the number of milestones {@code <= t}.
 */
public record MultiStepLr(double baseLr, long[] milestones, double gamma) implements LrSchedule {

    @Override
    public String type() {
        return "multistep";
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
