package io.streamfit.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mean squared error, {@code torch.nn.MSELoss()}: {@code L = (1/(B M)) sum (y - t)^2} over all B
 * examples and M outputs; gradient {@code 2 (y - t) / (B M)}. Each example's own loss (summed into
 * {@link Result#lossSum()}) is its mean over the M outputs.
 */
public final class MeanSquaredError implements Loss {

    @Override
    public String specName() {
        return "mse";
    }

    @Override
    public Result evaluate(INDArray output, INDArray target, boolean withGradient) {
        long batch = output.rows();
        long outputs = output.columns();
        INDArray diff = output.sub(target);
        double sq = diff.mul(diff).sumNumber().doubleValue();
        INDArray grad = withGradient ? diff.muli(2.0 / (batch * outputs)) : null;
        return new Result(sq / outputs, 0, 0, grad);
    }
}
