package io.streamfit.schedule;

/** The optimizer's {@code lr} on every step (no scheduler in PyTorch). */
public record ConstantLr(double baseLr) implements LrSchedule {

    @Override
    public String type() {
        return "constant";
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr;
    }
}
