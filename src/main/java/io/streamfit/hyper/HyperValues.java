package io.streamfit.hyper;

/** A component's hyper-parameters as a validated spec holds them, defaults filled in, by PyTorch name. */
public interface HyperValues {
    /** A {@link HyperParameter.Kind#NUMBER}. */
    double number(String name);

    /** A {@link HyperParameter.Kind#FLAG}. */
    boolean flag(String name);

    /** A {@link HyperParameter.Kind#PAIR}. */
    double[] pair(String name);
}
