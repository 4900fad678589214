package io.streamfit.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Softmax cross-entropy on logits, {@code torch.nn.CrossEntropyLoss()}: for logits z and one-hot
 * target t, {@code L = -(1/B) sum_i sum_c t_ic log softmax(z_i)_c}; gradient
 * {@code (softmax(z) - t) / B}. Computed through log-softmax, so large logits do not overflow.
 */
public final class SoftmaxCrossEntropy implements Loss {

    @Override
    public String specName() {
        return "softmax_cross_entropy";
    }

    @Override
    public Result evaluate(INDArray logits, INDArray oneHot, boolean withGradient) {
        long batch = logits.rows();
        INDArray logp = Nd4j.createUninitialized(logits.dataType(), logits.shape());
        Nd4j.exec(new LogSoftMax(logits, logp));
        double lossSum = -logp.mul(oneHot).sumNumber().doubleValue();
        long correct = logits.argMax(1).eq(oneHot.argMax(1)).castTo(DataType.INT64).sumNumber().longValue();
        INDArray grad = null;
        if (withGradient) {
            grad = Transforms.exp(logp, false).subi(oneHot).divi(batch);
        }
        return new Result(lossSum, correct, batch, grad);
    }
}
