package io.streamfit.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Knowledge distillation (Hinton, Vinyals and Dean 2015, "Distilling the Knowledge in a Neural
 * Network"): the student learns from the hard labels and from a teacher's soft targets at
 * temperature {@code T}, as PyTorch users compose it,
 *
 * <pre>
 *   L  = alpha * CE(s, y; label_smoothing) + (1 - alpha) * T^2 * KL(softmax(t / T) || softmax(s / T))
 *      = alpha * F.cross_entropy(s, y, label_smoothing=eps)
 *        + (1 - alpha) * T**2 * F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction='batchmean')
 *   dL/ds_ij = alpha * dCE/ds_ij + (1 - alpha) * T * (softmax(s_i / T)_j - softmax(t_i / T)_j) / B
 * </pre>
 *
 * for student logits {@code s}, teacher logits {@code t} and a batch of {@code B}. {@code T^2}
 * keeps the soft term's gradient on the scale of the hard one's as {@code T} changes. A zero
 * teacher probability contributes 0 to KL (PyTorch's {@code xlogy}). In float64 in one pass, like
 * the other losses; {@code PyTorchReferenceTest} checks value and gradient against PyTorch to 1e-12.
 */
public final class Distillation {
    private final Loss hard;
    private final double alpha;
    private final double temperature;

    /**
     * @param hard the student's own loss on the labels (softmax cross-entropy, with its label smoothing)
     * @param alpha weight of the hard loss, in [0, 1]
     * @param temperature the softmax temperature of both soft distributions, > 0
     */
    public Distillation(Loss hard, double alpha, double temperature) {
        if (!(alpha >= 0 && alpha <= 1) || !(temperature > 0 && temperature < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("distillation needs 0 <= alpha <= 1 and a finite temperature > 0");
        }
        this.hard = hard;
        this.alpha = alpha;
        this.temperature = temperature;
    }

    /**
     * The combined loss of {@code logits} against the class indices {@code classes} and the
     * teacher's logits ({@code [batch, classes]}, row-major); the gradient of its mean into
     * {@code gradient} (or none when null). Accuracy counts the hard labels.
     */
    public Loss.Result evaluate(INDArray logits, float[] classes, double[] teacher, INDArray gradient) {
        int batch = (int) logits.rows();
        int c = (int) logits.columns();
        if (teacher.length != batch * c) {
            throw new IllegalArgumentException("teacher logits: " + teacher.length + " values for " + batch + " x " + c);
        }
        INDArray hardGrad = gradient == null ? null : Nd4j.create(DataType.DOUBLE, batch, c);
        Loss.Result h = hard.evaluate(logits, classes, hardGrad);
        double[] s = Loss.values(logits);
        double[] g = gradient == null ? null : hardGrad.data().asDouble();
        double kl = 0;
        double[] ps = new double[c];
        double[] pt = new double[c];
        for (int i = 0; i < batch; i++) {
            int row = i * c;
            double lseS = softmax(s, row, c, ps);
            double lseT = softmax(teacher, row, c, pt);
            for (int j = 0; j < c; j++) {
                if (pt[j] > 0) { // log p_t - log p_s, from the log-sum-exps: no log of an underflowed 0
                    kl += pt[j] * ((teacher[row + j] / temperature - lseT) - (s[row + j] / temperature - lseS));
                }
            }
            if (g != null) {
                for (int j = 0; j < c; j++) {
                    g[row + j] = alpha * g[row + j] + (1 - alpha) * temperature * (ps[j] - pt[j]) / batch;
                }
            }
        }
        if (g != null) {
            Loss.store(g, gradient);
        }
        return new Loss.Result(alpha * h.lossSum() + (1 - alpha) * temperature * temperature * kl, h.correct(), h.judged());
    }

    /** Writes softmax(z[row..row+c) / T) into {@code p}; returns the log-sum-exp of z / T over the row. */
    private double softmax(double[] z, int row, int c, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) {
            max = Math.max(max, z[row + j] / temperature);
        }
        double sum = 0;
        for (int j = 0; j < c; j++) {
            p[j] = Math.exp(z[row + j] / temperature - max);
            sum += p[j];
        }
        for (int j = 0; j < c; j++) {
            p[j] /= sum;
        }
        return max + Math.log(sum);
    }

    public double alpha() {
        return alpha;
    }

    public double temperature() {
        return temperature;
    }
}
