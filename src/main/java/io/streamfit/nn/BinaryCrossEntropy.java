package io.streamfit.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Binary cross-entropy on logits, {@code torch.nn.BCEWithLogitsLoss()} (the same value as
 * {@code BCELoss(sigmoid(z))}, computed stably): per element
 * {@code l = max(z, 0) - z t + log(1 + exp(-|z|))}, mean over all B x M elements; gradient
 * {@code (sigmoid(z) - t) / (B M)}. A label counts as correct when {@code z > 0} agrees with
 * {@code t >= 0.5}.
 */
public final class BinaryCrossEntropy implements Loss {

    @Override
    public String specName() {
        return "binary_cross_entropy";
    }

    @Override
    public Result evaluate(INDArray logits, INDArray target, boolean withGradient) {
        long batch = logits.rows();
        long outputs = logits.columns();
        INDArray softplusNegAbs = Transforms.log(Transforms.exp(Transforms.abs(logits, true).negi(), false).addi(1.0), false);
        INDArray elementwise = Transforms.relu(logits, true).subi(logits.mul(target)).addi(softplusNegAbs);
        double lossSum = elementwise.sumNumber().doubleValue() / outputs;
        long correct = logits.gt(0.0).eq(target.gte(0.5)).castTo(DataType.INT64).sumNumber().longValue();
        INDArray grad = null;
        if (withGradient) {
            grad = Transforms.sigmoid(logits, true).subi(target).divi(batch * outputs);
        }
        return new Result(lossSum, correct, batch * outputs, grad);
    }
}
