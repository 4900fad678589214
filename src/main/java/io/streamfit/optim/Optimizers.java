package io.streamfit.optim;

import io.streamfit.hyper.Registry;
import java.util.List;

/** The optimizers a spec may name, in the order the docs list them: one line per {@link OptimizerKind}. */
public final class Optimizers {
    private Optimizers() {}

    public static final List<OptimizerKind> ALL = List.of(Sgd.KIND, Adagrad.KIND, RmsProp.KIND, Adadelta.KIND, Adam.KIND,
            AdamW.KIND, NAdam.KIND, Adamax.KIND);

    private static final Registry<OptimizerKind> REGISTRY = new Registry<>("optimizers", ALL, OptimizerKind::name);

    /** The optimizer named {@code name} in a spec, or null. */
    public static OptimizerKind named(String name) {
        return REGISTRY.named(name);
    }

    /** The names a spec may use, in the docs' order. */
    public static List<String> names() {
        return REGISTRY.names();
    }
}
