package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Online standardization against two-pass statistics, test-then-train order, freezing, gradient. */
class StandardizeTest {

    /** Features with large offsets and very different scales: naive sum-of-squares would lose digits. */
    private static INDArray batch(SplitMix64 rng, int rows) {
        INDArray x = Nd4j.create(DataType.DOUBLE, rows, 3);
        for (int i = 0; i < rows; i++) {
            x.putScalar(i, 0, 1e4 + rng.nextGaussian());
            x.putScalar(i, 1, -3 + 0.001 * rng.nextGaussian());
            x.putScalar(i, 2, 50 * rng.nextGaussian());
        }
        return x;
    }

    @Test
    void runningStatisticsEqualTwoPassStatisticsOfEverythingSeen() {
        // eps far below the smallest variance (1e-6), so the output variance is 1 to 1e-4
        Standardize st = new Standardize(3, 1e-14, 0);
        Network net = new Network(List.of(st), DataType.DOUBLE);
        net.initialize(new SplitMix64(0));
        SplitMix64 rng = new SplitMix64(1);
        INDArray all = null;
        for (int b = 0; b < 50; b++) {
            INDArray x = batch(rng, 1 + b % 7); // uneven batch sizes
            st.forwardTraining(x, null, null);
            st.commitTrainingStep();
            all = all == null ? x : Nd4j.vstack(all, x);
        }
        double n = all.rows();
        assertEquals(n, net.bufferTensors().get(0).value().getDouble(0));
        for (int j = 0; j < 3; j++) {
            double[] col = all.getColumn(j).toDoubleVector();
            double mean = Arrays.stream(col).sum() / n;
            double var = Arrays.stream(col).map(v -> (v - mean) * (v - mean)).sum() / n;
            assertEquals(mean, net.bufferTensors().get(1).value().getDouble(j), 1e-12 * Math.max(1, Math.abs(mean)), "mean " + j);
            assertEquals(var, net.bufferTensors().get(2).value().getDouble(j) / n, 1e-9 * var, "variance " + j);
        }
        // Prediction standardizes with them: the data seen so far comes out with mean 0, variance 1.
        INDArray z = net.predict(all);
        for (int j = 0; j < 3; j++) {
            assertEquals(0, z.getColumn(j).meanNumber().doubleValue(), 1e-6);
            assertEquals(1, z.getColumn(j).varNumber().doubleValue() * (n - 1) / n, 1e-4);
        }
    }

    @Test
    void testThenTrainAndFreezing() {
        String spec = """
                id: std
                topic: t
                input_width: 2
                task: {type: regression, outputs: 1}
                layers: [{type: standardize, freeze_after: 8}, {type: dense, units: 1}]
                optimizer: {type: sgd, lr: 0.01}
                batch_size: 4
                """;
        ModelState s = ModelState.fresh(SpecParser.parse(spec));
        Standardize st = (Standardize) s.network().layers().get(0);
        INDArray probe = Nd4j.create(new float[][] {{100, -5}});
        assertEquals(probe, st.forward(probe, null), "the identity before any example");
        s.train(new Batch(4, 2, new float[] {100, -5, 102, -5, 98, -4, 100, -6}, 1, new float[] {1, 2, 3, 4}));
        INDArray afterOne = st.forward(probe, null);
        assertEquals(0, afterOne.getDouble(0, 0), 1e-5, "100 is the mean of the first batch's first feature");
        s.train(new Batch(4, 2, new float[] {0, 0, 0, 0, 0, 0, 0, 0}, 1, new float[] {1, 2, 3, 4}));
        float[] frozen = s.network().buffers().toFloatVector();
        assertEquals(8f, frozen[0], "count");
        s.train(new Batch(4, 2, new float[] {9, 9, 9, 9, 9, 9, 9, 9}, 1, new float[] {1, 2, 3, 4}));
        assertTrue(Arrays.equals(frozen, s.network().buffers().toFloatVector()), "frozen after 8 examples");
    }

    @Test
    void inputGradientIsTheScale() {
        Standardize st = new Standardize(3, 1e-8, 0);
        Network net = new Network(List.of(st), DataType.DOUBLE);
        net.bufferTensors().get(0).value().assign(10);
        net.bufferTensors().get(1).value().assign(Nd4j.create(new double[] {1, -2, 3}));
        net.bufferTensors().get(2).value().assign(Nd4j.create(new double[] {40, 0.1, 2.5}));
        SplitMix64 rng = new SplitMix64(2);
        INDArray x = TestTensors.random(rng, 4, 3);
        INDArray r = TestTensors.random(rng, 4, 3);
        INDArray dx = st.backward(x, null, r, Nd4j.create(DataType.DOUBLE, 4, 3));
        INDArray numeric = TestTensors.numericGradient(x, () -> net.predict(x).mul(r).sumNumber().doubleValue());
        for (long i = 0; i < x.length(); i++) {
            assertEquals(numeric.getDouble(i), dx.getDouble(i), 1e-6, "element " + i);
        }
    }

    @Test
    void minMaxScalingTracksTheRangeSeen() {
        MinMaxScale mm = new MinMaxScale(3, 0);
        Network net = new Network(List.of(mm), DataType.DOUBLE);
        net.initialize(new SplitMix64(0));
        INDArray probe = Nd4j.create(new double[][] {{5, 5, 5}});
        assertEquals(probe, mm.forward(probe, null), "the identity before any example");
        SplitMix64 rng = new SplitMix64(3);
        double[] lo = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        double[] hi = {-Double.MAX_VALUE, -Double.MAX_VALUE, -Double.MAX_VALUE};
        INDArray all = null;
        for (int b = 0; b < 20; b++) {
            INDArray x = batch(rng, 5);
            x.getColumn(1).assign(7); // a constant feature: zero range
            mm.forwardTraining(x, null, null);
            mm.commitTrainingStep();
            all = all == null ? x : Nd4j.vstack(all, x);
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 3; j++) {
                    lo[j] = Math.min(lo[j], x.getDouble(i, j));
                    hi[j] = Math.max(hi[j], x.getDouble(i, j));
                }
            }
        }
        INDArray z = net.predict(all);
        assertEquals(0, z.getColumn(0).minNumber().doubleValue(), 1e-12);
        assertEquals(1, z.getColumn(0).maxNumber().doubleValue(), 1e-12);
        assertEquals(0, z.getColumn(1).maxNumber().doubleValue(), 0.0, "a constant feature is only shifted");
        assertEquals(lo[2], net.bufferTensors().get(1).value().getDouble(2), 0.0);
        assertEquals(hi[2], net.bufferTensors().get(2).value().getDouble(2), 0.0);
        assertEquals(100.0, net.bufferTensors().get(0).value().getDouble(0));
    }
}
