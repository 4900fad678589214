package io.streamfit.nn;

import io.streamfit.hyper.Registry;
import java.util.List;
import java.util.stream.Stream;

/** The layers a spec may name, in the order the docs list them: one line per {@link LayerKind}. */
public final class Layers {
    private Layers() {}

    public static final List<LayerKind> ALL = Stream.of(List.of(Dense.KIND), Activation.KINDS, List.of(LayerNorm.KIND,
            BatchNorm.KIND, Dropout.KIND, GaussianNoise.KIND, Standardize.KIND, MinMaxScale.KIND, PcaWhiten.KIND, Residual.KIND),
            RecurrentKinds.ALL)
            .flatMap(List::stream).toList();

    private static final Registry<LayerKind> REGISTRY = new Registry<>("layers", ALL, LayerKind::name);

    /** The layer kind named {@code name} in a spec, or null. */
    public static LayerKind named(String name) {
        return REGISTRY.named(name);
    }

    /** The names a spec may use, in the docs' order. */
    public static List<String> names() {
        return REGISTRY.names();
    }
}
