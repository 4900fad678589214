package io.streamfit.drift;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperValues;
import java.util.List;

/**
 * Everything the rest of streamfit needs to know about one drift detector, declared once in the
 * detector's class: its spec name, where it is published, its parameters (with the published
 * defaults and bounds) and how to build it. The spec parser and the docs' detector table read it.
 */
public record DetectorKind(String name, String source, List<HyperParameter> params, Factory factory) {

    /** Builds a fresh detector from validated parameters. */
    public interface Factory {
        DriftDetector create(HyperValues hyper);
    }
}
