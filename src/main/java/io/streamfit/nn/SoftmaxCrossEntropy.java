package io.streamfit.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Softmax cross-entropy on logits with class-index targets,
 * {@code torch.nn.CrossEntropyLoss(label_smoothing=eps)}: for logits z over C classes and class y,
 * with the target distribution {@code q = (1 - eps) onehot(y) + eps / C},
 *
 * <pre>
 *   L = (1/B) sum_i [ (1 - eps) (logZ_i - z_{i,y_i}) + (eps / C) sum_j (logZ_i - z_{i,j}) ]
 *   dL/dz_{i,j} = (softmax(z_i)_j - q_{i,j}) / B
 * </pre>
 *
 * (label smoothing: Szegedy et al. 2016, "Rethinking the Inception Architecture"). With
 * {@code eps = 0} this is plain cross-entropy. The loss value includes the smoothing term, as
 * PyTorch's does. Computed through log-sum-exp (max subtracted), so large logits do not overflow.
 * Accuracy counts {@code argmax z == y} (first maximum on ties).
 */
public final class SoftmaxCrossEntropy implements Loss {
    private final double labelSmoothing;

    public SoftmaxCrossEntropy() {
        this(0);
    }

    /** @param labelSmoothing PyTorch's {@code label_smoothing}, in [0, 1] */
    public SoftmaxCrossEntropy(double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("label_smoothing must be in [0, 1], got " + labelSmoothing);
        }
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public String specName() {
        return "softmax_cross_entropy";
    }

    @Override
    public Result evaluate(INDArray logits, float[] classes, INDArray gradient) {
        int batch = (int) logits.rows();
        int c = (int) logits.columns();
        double[] z = Loss.values(logits);
        double[] g = gradient != null ? new double[z.length] : null;
        double lossSum = 0;
        long correct = 0;
        for (int i = 0; i < batch; i++) {
            int row = i * c;
            int label = (int) classes[i];
            double max = z[row];
            int argmax = 0;
            for (int j = 1; j < c; j++) {
                if (z[row + j] > max) {
                    max = z[row + j];
                    argmax = j;
                }
            }
            double sum = 0;
            for (int j = 0; j < c; j++) {
                sum += Math.exp(z[row + j] - max);
            }
            double logZ = max + Math.log(sum);
            double nll = logZ - z[row + label];
            if (labelSmoothing == 0) {
                lossSum += nll;
            } else {
                double uniform = 0;
                for (int j = 0; j < c; j++) {
                    uniform += logZ - z[row + j];
                }
                lossSum += (1 - labelSmoothing) * nll + labelSmoothing / c * uniform;
            }
            if (argmax == label) {
                correct++;
            }
            if (g != null) {
                double off = labelSmoothing / c;
                for (int j = 0; j < c; j++) {
                    g[row + j] = (Math.exp(z[row + j] - logZ) - off) / batch;
                }
                g[row + label] -= (1.0 - labelSmoothing) / batch;
            }
        }
        if (g != null) {
            Loss.store(g, gradient);
        }
        return new Result(lossSum, correct, batch);
    }

    /** {@code softmax(output, dim=1)}. */
    @Override
    public INDArray probabilities(INDArray output) {
        INDArray probs = Nd4j.createUninitialized(output.dataType(), output.shape());
        Nd4j.exec(new SoftMax(output, probs));
        return probs;
    }
}
