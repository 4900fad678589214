package io.streamfit.hyper;

/** A component's hyper-parameters as a validated spec holds them, defaults filled in, by PyTorch name. */
public interface HyperValues {
    /** A {@link HyperParameter.Kind#NUMBER}. */
    double number(String name);

    /** A {@link HyperParameter.Kind#FLAG}. */
    boolean flag(String name);

    /** A {@link HyperParameter.Kind#PAIR}. */
    double[] pair(String name);

    /** A {@link HyperParameter.Kind#COUNT}. */
    default long count(String name) {
        throw new UnsupportedOperationException(name + " is not a count here");
    }

    /** A {@link HyperParameter.Kind#CHOICE}. */
    default String choice(String name) {
        throw new UnsupportedOperationException(name + " is not a choice here");
    }

    /** A {@link HyperParameter.Kind#COUNTS}. */
    default long[] counts(String name) {
        throw new UnsupportedOperationException(name + " is not a list of counts here");
    }
}
