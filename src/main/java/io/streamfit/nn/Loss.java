package io.streamfit.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A training loss on the network's raw output, with PyTorch's {@code reduction='mean'}.
 *
 * <p>{@link #evaluate} returns the <em>sum</em> over the batch of the per-example losses (so that
 * sliding-window means stay exact whatever the batch sizes) and, when asked, the gradient of the
 * <em>mean</em> loss, which is what PyTorch's {@code loss.backward()} produces.
 *
 * <p>Losses are computed in float64 in one Java pass over the (small, {@code batch x outputs})
 * output copied out of ND4J: about a dozen separate ND4J ops cost ~300 us per step here, the
 * fused pass a few microseconds.
 */
public interface Loss {

    /** Spec name, e.g. {@code softmax_cross_entropy}. */
    String specName();

    /**
     * @param output {@code [batch, outputs]}
     * @param targets row-major {@code [batch, outputs]}, or one class index per row for
     *     classification losses
     */
    Result evaluate(INDArray output, float[] targets, boolean withGradient);

    /**
     * @param lossSum sum over examples of each example's loss
     * @param correct correctly predicted labels (classes, or binary outputs), 0 for regression
     * @param judged how many labels {@code correct} counts out of (0 where accuracy is undefined)
     * @param gradient dL/dOutput of the mean loss, or null
     */
    record Result(double lossSum, long correct, long judged, INDArray gradient) {}

    /** The output's values, row-major. */
    static double[] values(INDArray output) {
        INDArray c = output.isView() || output.ordering() != 'c' ? output.dup('c') : output;
        return c.data().asDouble();
    }

    /** A gradient array of the output's shape and data type. */
    static INDArray gradient(double[] g, INDArray like) {
        if (like.dataType() == DataType.DOUBLE) {
            return Nd4j.create(g, like.shape(), 'c');
        }
        float[] f = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            f[i] = (float) g[i];
        }
        return Nd4j.create(f, like.shape(), 'c').castTo(like.dataType());
    }
}
