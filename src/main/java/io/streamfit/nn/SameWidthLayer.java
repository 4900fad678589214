package io.streamfit.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of the layers whose output is as wide as their input (activations, normalizations,
 * dropout, input scaling): the width and name bookkeeping, and no parameters unless a subclass
 * declares some.
 */
abstract class SameWidthLayer implements Layer {
    protected final int width;
    private final String kind;

    SameWidthLayer(String kind, int width) {
        this.kind = kind;
        this.width = width;
    }

    @Override
    public final String kind() {
        return kind;
    }

    @Override
    public final int inWidth() {
        return width;
    }

    @Override
    public final int outWidth() {
        return width;
    }

    @Override
    public List<ParamShape> paramShapes() {
        return List.of();
    }

    @Override
    public void bind(List<INDArray> params, List<INDArray> grads) {
        // no parameters
    }
}
