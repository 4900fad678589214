package io.streamfit.nn;

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
    public Result evaluate(INDArray logits, float[] targets, INDArray gradient) {
        long batch = logits.rows();
        long outputs = logits.columns();
        double[] z = Loss.values(logits);
        double[] g = gradient != null ? new double[z.length] : null;
        double sum = 0;
        long correct = 0;
        double scale = 1.0 / (batch * outputs);
        for (int i = 0; i < z.length; i++) {
            double zi = z[i];
            double t = targets[i];
            sum += Math.max(zi, 0) - zi * t + Math.log1p(Math.exp(-Math.abs(zi)));
            if ((zi > 0) == (t >= 0.5)) {
                correct++;
            }
            if (g != null) {
                g[i] = scale * (1.0 / (1.0 + Math.exp(-zi)) - t);
            }
        }
        if (g != null) {
            Loss.store(g, gradient);
        }
        return new Result(sum / outputs, correct, batch * outputs);
    }

    /** {@code sigmoid(output)}. */
    @Override
    public INDArray probabilities(INDArray output) {
        return Transforms.sigmoid(output, true);
    }
}
