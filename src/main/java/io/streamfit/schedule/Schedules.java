package io.streamfit.schedule;

import io.streamfit.hyper.Registry;
import java.util.List;

/** The learning-rate schedules a spec may name, in the order the docs list them: one line per {@link ScheduleKind}. */
public final class Schedules {
    private Schedules() {}

    public static final List<ScheduleKind> ALL = List.of(ConstantLr.KIND, StepLr.KIND, MultiStepLr.KIND, ExponentialLr.KIND,
            NaturalExpDecay.KIND, InverseTimeDecay.KIND, PolynomialLr.KIND, CosineAnnealingLr.KIND, CyclicLr.KIND,
            CosineWarmRestarts.KIND, OneCycleLr.KIND, ReduceLrOnPlateau.KIND);

    private static final Registry<ScheduleKind> REGISTRY = new Registry<>("schedules", ALL, ScheduleKind::name);

    /** The schedule named {@code name} in a spec, or null. */
    public static ScheduleKind named(String name) {
        return REGISTRY.named(name);
    }

    /** The names a spec may use, in the docs' order. */
    public static List<String> names() {
        return REGISTRY.names();
    }
}
