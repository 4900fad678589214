package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Central finite differences in float64 against the recurrent layers' analytic gradients, for
 * every cell, one and two layers, one and two directions, both reductions and sequences of
 * different lengths (the PyTorch comparison is {@code RecurrentReferenceTest}; this one also
 * covers combinations the golden file does not). Padding steps must get zero gradient and must
 * not change the output.
 */
class RecurrentGradientTest {
    private static final double H = 1e-6;
    private static final int STEPS = 4, FEATURES = 3, HIDDEN = 3, ROWS = 3;

    @ParameterizedTest(name = "{0} layers={1} bidirectional={2} mean={3}")
    @CsvSource({"LSTM,1,false,false", "LSTM,2,true,true", "LSTM,2,false,false", "GRU,1,false,true", "GRU,2,true,false",
            "RNN_TANH,1,true,false", "RNN_TANH,2,false,true", "RNN_RELU,1,false,false"})
    void analyticGradientsMatchFiniteDifferences(RecurrentCell cell, int layers, boolean bidirectional, boolean mean) {
        Recurrent layer = new Recurrent(cell, SequenceRows.width(STEPS, FEATURES), FEATURES,
                new Recurrent.Options(HIDDEN, layers, bidirectional, mean, 0, 0, 0, false, Double.NaN));
        Network net = new Network(List.of(layer), DataType.DOUBLE);
        SplitMix64 rng = new SplitMix64(5);
        for (ParamTensor t : net.tensors()) {
            t.value().assign(TestTensors.random(rng, t.shape()).muli(0.6));
        }
        if (cell == RecurrentCell.RNN_RELU) {
            net.params().addi(0.1); // away from relu's kink
        }
        int[] lengths = {STEPS, 2, 1};
        INDArray x = rows(rng, lengths);
        INDArray r = TestTensors.random(rng, ROWS, layer.outWidth());
        Supplier<Double> objective = () -> net.predict(x).mul(r).sumNumber().doubleValue();

        INDArray[] acts = net.forward(x);
        assertEquals(0, acts[1].sub(net.predict(x)).norm2Number().doubleValue(), 1e-15, "training and prediction agree");
        net.backward(acts, r.dup());
        INDArray analytic = net.grads().dup();
        INDArray dx = layer.backward(x, acts[1], r.dup(), Nd4j.create(DataType.DOUBLE, x.shape()));
        for (long i = 0; i < net.params().length(); i++) {
            double orig = net.params().getDouble(i);
            net.params().putScalar(i, orig + H);
            double plus = objective.get();
            net.params().putScalar(i, orig - H);
            double minus = objective.get();
            net.params().putScalar(i, orig);
            double numeric = (plus - minus) / (2 * H);
            assertEquals(numeric, analytic.getDouble(i), 1e-6 * Math.max(1, Math.abs(numeric)), "parameter " + i);
        }
        for (int row = 0; row < ROWS; row++) {
            for (int k = 0; k < STEPS * FEATURES; k++) {
                double orig = x.getDouble(row, k);
                x.putScalar(row, k, orig + H);
                double plus = objective.get();
                x.putScalar(row, k, orig - H);
                double minus = objective.get();
                x.putScalar(row, k, orig);
                double numeric = (plus - minus) / (2 * H);
                assertEquals(numeric, dx.getDouble(row, k), 1e-6 * Math.max(1, Math.abs(numeric)), "dx[" + row + "][" + k + "]");
                if (k / FEATURES >= lengths[row]) {
                    assertEquals(0.0, dx.getDouble(row, k), "a padding step has no gradient");
                }
            }
            assertEquals(0.0, dx.getDouble(row, STEPS * FEATURES), "the length column has no gradient");
        }
        assertTrue(analytic.norm2Number().doubleValue() > 0, "some gradient");
    }

    @Test
    void predictionInChunksEqualsEachSequenceAlone() {
        Recurrent layer = new Recurrent(RecurrentCell.GRU, SequenceRows.width(STEPS, FEATURES), FEATURES,
                new Recurrent.Options(HIDDEN, 2, true, true, 0, 0, 0, false, Double.NaN));
        Network net = new Network(List.of(layer), DataType.DOUBLE);
        net.initialize(new SplitMix64(3));
        int n = 2 * Recurrent.PREDICT_CHUNK + 7;
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = 1 + i % STEPS;
        }
        INDArray x = rows(new SplitMix64(4), lengths);
        INDArray all = net.predict(x);
        for (int row : new int[] {0, Recurrent.PREDICT_CHUNK - 1, Recurrent.PREDICT_CHUNK, n - 1}) {
            assertEquals(net.predict(x.getRow(row, true)), all.getRow(row, true), "row " + row);
        }
    }

    /** Rows of random steps up to each length, zero padding after, the length last. */
    static INDArray rows(SplitMix64 rng, int[] lengths) {
        int width = SequenceRows.width(STEPS, FEATURES);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, lengths.length, width);
        for (int row = 0; row < lengths.length; row++) {
            for (int k = 0; k < lengths[row] * FEATURES; k++) {
                x.putScalar(row, k, rng.nextGaussian());
            }
            x.putScalar(row, width - 1, lengths[row]);
        }
        return x;
    }
}
