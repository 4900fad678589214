package io.streamfit.nn;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
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
     * @param gradient where to write dL/dOutput of the mean loss (shape and type of
     *     {@code output}), or null for no gradient
     */
    Result evaluate(INDArray output, float[] targets, INDArray gradient);

    /**
     * The probabilities the raw {@code output} stands for under this loss (softmax over each row
     * for cross-entropy, the sigmoid for binary cross-entropy), or null when it stands for values
     * (regression). What PyTorch users apply after {@code model(x)} at inference.
     */
    default INDArray probabilities(INDArray output) {
        return null;
    }

    /**
     * @param lossSum sum over examples of each example's loss
     * @param correct correctly predicted labels (classes, or binary outputs), 0 for regression
     * @param judged how many labels {@code correct} counts out of (0 where accuracy is undefined)
     */
    record Result(double lossSum, long correct, long judged) {}

    /** The output's values, row-major. */
    static double[] values(INDArray output) {
        INDArray c = output.isView() || output.ordering() != 'c' ? output.dup('c') : output;
        return c.data().asDouble();
    }

    /** Copies {@code g} (row-major) into the float32 or float64 array {@code out}. */
    static void store(double[] g, INDArray out) {
        if (out.isView() || out.ordering() != 'c' || out.length() != g.length) {
            throw new IllegalArgumentException("gradient buffer must be a dense row-major array of " + g.length);
        }
        if (out.dataType() == DataType.DOUBLE) {
            ((DoublePointer) out.data().addressPointer()).put(g);
        } else if (out.dataType() == DataType.FLOAT) {
            float[] f = new float[g.length];
            for (int i = 0; i < g.length; i++) {
                f[i] = (float) g[i];
            }
            ((FloatPointer) out.data().addressPointer()).put(f);
        } else {
            out.assign(Nd4j.create(g, out.shape(), 'c'));
        }
    }
}
