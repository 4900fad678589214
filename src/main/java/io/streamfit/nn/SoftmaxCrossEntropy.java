package io.streamfit.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Softmax cross-entropy on logits with class-index targets, {@code torch.nn.CrossEntropyLoss()}:
 * for logits z and class y, {@code L = -(1/B) sum_i log softmax(z_i)_{y_i}}; gradient
 * {@code (softmax(z) - onehot(y)) / B}. Computed through log-sum-exp (max subtracted), so large
 * logits do not overflow. Accuracy counts {@code argmax z == y} (first maximum on ties).
 */
public final class SoftmaxCrossEntropy implements Loss {

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
            lossSum += logZ - z[row + label];
            if (argmax == label) {
                correct++;
            }
            if (g != null) {
                for (int j = 0; j < c; j++) {
                    g[row + j] = Math.exp(z[row + j] - logZ) / batch;
                }
                g[row + label] -= 1.0 / batch;
            }
        }
        if (g != null) {
            Loss.store(g, gradient);
        }
        return new Result(lossSum, correct, batch);
    }
}
