package io.streamfit.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of the normalization layers with PyTorch's elementwise affine parameters: a gain
 * {@code weight} (initialized to ones) and a shift {@code bias} (zeros), one per feature.
 */
abstract class AffineNormLayer extends SameWidthLayer {
    protected INDArray weight;
    protected INDArray bias;
    protected INDArray dWeight;
    protected INDArray dBias;

    AffineNormLayer(String kind, int width) {
        super(kind, width);
    }

    @Override
    public final List<ParamShape> paramShapes() {
        return List.of(
                new ParamShape("weight", new long[] {width}, Init.ONES),
                new ParamShape("bias", new long[] {width}, Init.ZEROS));
    }

    @Override
    public final void bind(List<INDArray> params, List<INDArray> grads) {
        weight = params.get(0);
        bias = params.get(1);
        dWeight = grads.get(0);
        dBias = grads.get(1);
    }
}
