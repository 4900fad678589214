package io.streamfit.drift;

import io.streamfit.hyper.Registry;
import java.util.List;

/** The drift detectors a spec may name, in the docs' order: one line per {@link DetectorKind}. */
public final class Detectors {
    private Detectors() {}

    public static final List<DetectorKind> ALL = List.of(Adwin.KIND, PageHinkley.KIND);

    private static final Registry<DetectorKind> REGISTRY = new Registry<>("drift detectors", ALL, DetectorKind::name);

    /** The detector named {@code name} in a spec, or null. */
    public static DetectorKind named(String name) {
        return REGISTRY.named(name);
    }

    /** The names a spec may use. */
    public static List<String> names() {
        return REGISTRY.names();
    }
}
