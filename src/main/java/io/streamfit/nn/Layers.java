package io.streamfit.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The layers a spec may name, in the order the docs list them: one line per {@link LayerKind}. */
public final class Layers {
    private Layers() {}

    public static final List<LayerKind> ALL;

    private static final Map<String, LayerKind> BY_NAME = new LinkedHashMap<>();

    static {
        List<LayerKind> all = new ArrayList<>();
        all.add(Dense.KIND);
        all.addAll(Activation.KINDS);
        all.addAll(List.of(LayerNorm.KIND, BatchNorm.KIND, Dropout.KIND, GaussianNoise.KIND, Standardize.KIND,
                MinMaxScale.KIND, PcaWhiten.KIND, Residual.KIND));
        ALL = List.copyOf(all);
        for (LayerKind k : ALL) {
            if (BY_NAME.put(k.name(), k) != null) {
                throw new IllegalStateException("two layers named " + k.name());
            }
        }
    }

    /** The layer kind named {@code name} in a spec, or null. */
    public static LayerKind named(String name) {
        return BY_NAME.get(name);
    }

    /** The names a spec may use, in the docs' order. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }
}
