package io.streamfit.schedule;

import java.util.List;

/** The optimizer's {@code lr} on every step (no scheduler in PyTorch). */
public record ConstantLr(double baseLr) implements LrSchedule {
    /** The spec's {@code constant}: no scheduler. */
    public static final ScheduleKind KIND = new ScheduleKind("constant", "no scheduler", List.of(), List.of(),
            (lr, h) -> new ConstantLr(lr));

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr;
    }
}
