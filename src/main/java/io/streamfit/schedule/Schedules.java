package io.streamfit.schedule;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The learning-rate schedules a spec may name, in the order the docs list them: one line per {@link ScheduleKind}. */
public final class Schedules {
    private Schedules() {}

    public static final List<ScheduleKind> ALL = List.of(ConstantLr.KIND, StepLr.KIND, MultiStepLr.KIND, ExponentialLr.KIND,
            NaturalExpDecay.KIND, InverseTimeDecay.KIND, PolynomialLr.KIND, CosineAnnealingLr.KIND, CyclicLr.KIND,
            CosineWarmRestarts.KIND, OneCycleLr.KIND);

    private static final Map<String, ScheduleKind> BY_NAME = new LinkedHashMap<>();

    static {
        for (ScheduleKind k : ALL) {
            if (BY_NAME.put(k.name(), k) != null) {
                throw new IllegalStateException("two schedules named " + k.name());
            }
        }
    }

    /** The schedule named {@code name} in a spec, or null. */
    public static ScheduleKind named(String name) {
        return BY_NAME.get(name);
    }

    /** The names a spec may use, in the docs' order. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }
}
