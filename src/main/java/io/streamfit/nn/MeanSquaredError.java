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
    public Result evaluate(INDArray output, float[] targets, INDArray gradient) {
        long batch = output.rows();
        long outputs = output.columns();
        double[] y = Loss.values(output);
        double[] g = gradient != null ? new double[y.length] : null;
        double sq = 0;
        double scale = 2.0 / (batch * outputs);
        for (int i = 0; i < y.length; i++) {
            double d = y[i] - targets[i];
            sq += d * d;
            if (g != null) {
                g[i] = scale * d;
            }
        }
        if (g != null) {
            Loss.store(g, gradient);
        }
        return new Result(sq / outputs, 0, 0);
    }
}
