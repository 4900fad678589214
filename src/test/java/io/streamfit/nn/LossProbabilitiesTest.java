package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a raw output means at inference, by loss: {@code softmax(dim=1)} for cross-entropy (exact
 * for large logits too), the sigmoid for binary cross-entropy, nothing for regression. The REST
 * layer only formats these.
 */
class LossProbabilitiesTest {
    private static final double[][] LOGITS = {{1, 2, 3}, {1000, 0, -1000}, {-5, -5, -5}};

    @Test
    void crossEntropyGivesTheSoftmaxOfEachRow() {
        INDArray out = Nd4j.create(LOGITS).castTo(DataType.FLOAT);
        float[][] p = new SoftmaxCrossEntropy(0).probabilities(out).toFloatMatrix();
        for (int i = 0; i < LOGITS.length; i++) {
            double max = Math.max(LOGITS[i][0], Math.max(LOGITS[i][1], LOGITS[i][2]));
            double sum = 0;
            for (double v : LOGITS[i]) {
                sum += Math.exp(v - max);
            }
            for (int j = 0; j < 3; j++) {
                assertEquals(Math.exp(LOGITS[i][j] - max) / sum, p[i][j], 1e-6, "row " + i + ", class " + j);
            }
        }
    }

    @Test
    void binaryCrossEntropyGivesTheSigmoidAndRegressionNothing() {
        INDArray out = Nd4j.create(new double[][] {{-2}, {0}, {3}}).castTo(DataType.FLOAT);
        float[][] p = new BinaryCrossEntropy().probabilities(out).toFloatMatrix();
        double[] x = {-2, 0, 3};
        for (int i = 0; i < x.length; i++) {
            assertEquals(1 / (1 + Math.exp(-x[i])), p[i][0], 1e-6);
        }
        assertEquals(-2f, out.getFloat(0, 0), "the output itself is left as it was");
        assertNull(new MeanSquaredError().probabilities(out));
    }
}
