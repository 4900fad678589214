package io.streamfit.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A training loss on the network's raw output, with PyTorch's {@code reduction='mean'}.
 *
 * <p>{@link #evaluate} returns the <em>sum</em> over the batch of the per-example losses (so that
 * sliding-window means stay exact whatever the batch sizes) and, when asked, the gradient of the
 * <em>mean</em> loss, which is what PyTorch's {@code loss.backward()} produces.
 */
public interface Loss {

    /** Spec name, e.g. {@code softmax_cross_entropy}. */
    String specName();

    Result evaluate(INDArray output, INDArray target, boolean withGradient);

    /**
     * @param lossSum sum over examples of each example's loss
     * @param correct correctly predicted labels (classes, or binary outputs), 0 for regression
     * @param judged how many labels {@code correct} counts out of (0 where accuracy is undefined)
     * @param gradient dL/dOutput of the mean loss, or null
     */
    record Result(double lossSum, long correct, long judged, INDArray gradient) {}
}
