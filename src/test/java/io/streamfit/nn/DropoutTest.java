package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training-only layers: inverted dropout (gradient with a fixed mask, expectation, identity at
 * prediction) and Gaussian input noise (moments, identity at prediction).
 */
class DropoutTest {

    private static INDArray random(SplitMix64 rng, long rows, long cols) {
        return TestTensors.random(rng, rows, cols);
    }

    @Test
    void gradientWithAFixedMaskMatchesFiniteDifferences() {
        Dropout d = new Dropout(6, 0.4);
        SplitMix64 data = new SplitMix64(3);
        INDArray x = random(data, 5, 6);
        INDArray r = random(data, 5, 6);
        // The same seed gives the same mask, so the training forward is a fixed linear map.
        INDArray y = d.forwardTraining(x, null, new SplitMix64(7));
        INDArray dx = d.backward(x, y, r, Nd4j.create(DataType.DOUBLE, 5, 6));
        INDArray numeric = TestTensors.numericGradient(x,
                () -> d.forwardTraining(x, null, new SplitMix64(7)).mul(r).sumNumber().doubleValue());
        for (long i = 0; i < x.length(); i++) {
            assertEquals(numeric.getDouble(i), dx.getDouble(i), 1e-6, "element " + i);
        }
        long zeros = 0;
        for (long i = 0; i < y.length(); i++) {
            double v = y.getDouble(i);
            if (v == 0) {
                zeros++;
            } else {
                // (the mask is float32, the model's precision, so the scale is 1 / 0.6 rounded to float)
                assertEquals(x.getDouble(i) / 0.6, v, 1e-7 * Math.abs(v), "survivors are scaled by 1 / (1 - p)");
            }
        }
        assertTrue(zeros > 0 && zeros < 30, "some but not all elements dropped: " + zeros);
    }

    @Test
    void theExpectedActivationIsPreserved() {
        double p = 0.3;
        Dropout d = new Dropout(8, p);
        INDArray x = Nd4j.create(new double[][] {{1, -2, 0.5, 3, -0.25, 4, 1.5, -1}});
        SplitMix64 rng = new SplitMix64(1);
        int masks = 20_000;
        double[] sum = new double[8];
        long dropped = 0;
        for (int m = 0; m < masks; m++) {
            INDArray y = d.forwardTraining(x, null, rng);
            for (int j = 0; j < 8; j++) {
                double v = y.getDouble(0, j);
                sum[j] += v;
                dropped += v == 0 ? 1 : 0;
            }
        }
        for (int j = 0; j < 8; j++) {
            double xj = x.getDouble(0, j);
            // Each output is x / (1 - p) with probability 1 - p, else 0: variance x^2 p / (1 - p).
            double se = Math.abs(xj) * Math.sqrt(p / (1 - p) / masks);
            assertEquals(xj, sum[j] / masks, 5 * se, "mean activation of element " + j);
        }
        double rate = (double) dropped / (8.0 * masks);
        assertEquals(p, rate, 5 * Math.sqrt(p * (1 - p) / (8.0 * masks)), "drop rate");
    }

    @Test
    void predictionIsTheIdentity() {
        Dropout d = new Dropout(3, 0.9);
        INDArray x = Nd4j.create(new double[][] {{1, 2, 3}, {4, 5, 6}});
        assertSame(x, d.forward(x, null));
        assertEquals(x, d.forward(x, Nd4j.create(DataType.DOUBLE, 2, 3)));
        assertTrue(d.trainingDiffers());
        assertTrue(!new Dropout(3, 0).trainingDiffers(), "p = 0 is the identity in training too");
        assertThrows(IllegalArgumentException.class, () -> new Dropout(3, 1.0));
    }

    @Test
    void gaussianNoiseHasTheDeclaredMomentsInTrainingAndIsTheIdentityAtPrediction() {
        GaussianNoise g = new GaussianNoise(4, 0.3);
        INDArray x = Nd4j.create(new double[][] {{1, -2, 0.5, 3}});
        SplitMix64 rng = new SplitMix64(9);
        int draws = 20_000;
        double[] sum = new double[4];
        double[] sq = new double[4];
        for (int m = 0; m < draws; m++) {
            INDArray y = g.forwardTraining(x, null, rng);
            for (int j = 0; j < 4; j++) {
                double e = y.getDouble(0, j) - x.getDouble(0, j);
                sum[j] += e;
                sq[j] += e * e;
            }
        }
        for (int j = 0; j < 4; j++) {
            assertEquals(0, sum[j] / draws, 5 * 0.3 / Math.sqrt(draws), "noise mean " + j);
            assertEquals(0.09, sq[j] / draws, 5 * 0.09 * Math.sqrt(2.0 / draws), "noise variance " + j);
        }
        assertSame(x, g.forward(x, null));
        INDArray dy = Nd4j.create(new double[][] {{1, 2, 3, 4}});
        assertEquals(dy, g.backward(x, null, dy, Nd4j.create(DataType.DOUBLE, 1, 4)), "gradient passes through");
    }
}
