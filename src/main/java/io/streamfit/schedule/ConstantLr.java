package io.streamfit.schedule;

/** The optimizer's {@code lr} on every step ({@code torch.optim.lr_scheduler.ConstantLR} with factor 1). */
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
