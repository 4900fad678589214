package io.streamfit.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The optimizers a spec may name, in the order the docs list them: one line per {@link OptimizerKind}. */
public final class Optimizers {
    private Optimizers() {}

    public static final List<OptimizerKind> ALL = List.of(Sgd.KIND, Adagrad.KIND, RmsProp.KIND, Adadelta.KIND, Adam.KIND,
            AdamW.KIND, NAdam.KIND, Adamax.KIND);

    private static final Map<String, OptimizerKind> BY_NAME = new LinkedHashMap<>();

    static {
        for (OptimizerKind k : ALL) {
            if (BY_NAME.put(k.name(), k) != null) {
                throw new IllegalStateException("two optimizers named " + k.name());
            }
        }
    }

    /** The optimizer named {@code name} in a spec, or null. */
    public static OptimizerKind named(String name) {
        return BY_NAME.get(name);
    }

    /** The names a spec may use, in the docs' order. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }
}
