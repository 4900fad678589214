package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NetworkLayoutTest {

    @Test
    void tensorsAreNamedAndShapedLikeTorchSequential() {
        Network net = new Network(List.of(new Dense(3, 4), new Activation(Activation.Kind.RELU, 4), new LayerNorm(4, 1e-5),
                new Dense(4, 2)), DataType.FLOAT);
        List<String> names = net.tensors().stream().map(ParamTensor::name).toList();
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"), names);
        assertArrayEquals(new long[] {4, 3}, net.tensors().get(0).shape());
        assertArrayEquals(new long[] {2, 4}, net.tensors().get(4).shape());
        assertEquals(3 * 4 + 4 + 4 + 4 + 4 * 2 + 2, net.paramCount());
    }

    @Test
    void tensorViewsWriteThroughToTheFlatBuffer() {
        Network net = new Network(List.of(new Dense(3, 2)), DataType.FLOAT);
        net.tensors().get(0).value().putScalar(new long[] {1, 2}, 7f); // weight[1][2] = flat index 1*3+2
        net.tensors().get(1).value().putScalar(1, 9f); // bias[1] = flat index 6+1
        assertEquals(7f, net.params().getFloat(5));
        assertEquals(9f, net.params().getFloat(7));
    }

    @Test
    void denseComputesXWTransposePlusBias() {
        Network net = new Network(List.of(new Dense(2, 2)), DataType.DOUBLE);
        net.tensors().get(0).value().assign(Nd4j.create(new double[][] {{1, 2}, {3, 4}}));
        net.tensors().get(1).value().assign(Nd4j.create(new double[] {10, 20}));
        double[] y = net.predict(Nd4j.create(new double[][] {{1, 1}})).toDoubleVector();
        assertArrayEquals(new double[] {13, 27}, y, 1e-12);
    }

    @Test
    void initializationIsSeededAndWithinPytorchLinearBounds() {
        Network a = new Network(List.of(new Dense(16, 8)), DataType.FLOAT);
        Network b = new Network(List.of(new Dense(16, 8)), DataType.FLOAT);
        a.initialize(new SplitMix64(3));
        b.initialize(new SplitMix64(3));
        assertEquals(a.params(), b.params());
        double bound = 1 / Math.sqrt(16);
        assertEquals(true, a.params().amaxNumber().doubleValue() <= bound);
        assertEquals(true, a.params().amaxNumber().doubleValue() > bound * 0.8);
    }

    @Test
    void residualBodyTensorsAreNestedAndInitializedWithTheirOwnFanIn() {
        Residual block = new Residual(8, List.of(new Dense(8, 3), new BatchNorm(3, 1e-5, 0.1),
                new Activation(Activation.Kind.RELU, 3), new Dense(3, 8)));
        Network net = new Network(List.of(new Dense(2, 8), block), DataType.FLOAT);
        assertEquals(List.of("0.weight", "0.bias", "1.body.0.weight", "1.body.0.bias", "1.body.1.weight", "1.body.1.bias",
                "1.body.3.weight", "1.body.3.bias"), net.tensors().stream().map(ParamTensor::name).toList());
        assertEquals(List.of("1.body.1.running_mean", "1.body.1.running_var", "1.body.1.num_batches_tracked"),
                net.bufferTensors().stream().map(ParamTensor::name).toList());
        net.initialize(new SplitMix64(5));
        // nn.Linear(3, 8) inside the block draws from U(-1/sqrt(3), 1/sqrt(3)), not the block's 1/sqrt(8).
        double max = net.tensors().get(6).value().amaxNumber().doubleValue();
        assertTrue(max <= 1 / Math.sqrt(3) && max > 1 / Math.sqrt(8), "1.body.3.weight max |w| " + max);
        assertEquals(1.0, net.bufferTensors().get(1).value().minNumber().doubleValue(), "running_var starts at 1");
    }

    @Test
    void residualAddsItsInputToItsBody() {
        Dense inner = new Dense(2, 2);
        Network net = new Network(List.of(new Residual(2, List.of(inner))), DataType.DOUBLE);
        net.tensors().get(0).value().assign(Nd4j.create(new double[][] {{1, 2}, {3, 4}}));
        net.tensors().get(1).value().assign(Nd4j.create(new double[] {10, 20}));
        // x + (W x + b) = [1, 1] + [13, 27]
        assertArrayEquals(new double[] {14, 28}, net.predict(Nd4j.create(new double[][] {{1, 1}})).toDoubleVector(), 1e-12);
        INDArray[] acts = net.forward(Nd4j.create(new double[][] {{1, 1}}));
        assertArrayEquals(new double[] {14, 28}, acts[1].toDoubleVector(), 1e-12);
    }

    @Test
    void residualBodyMustKeepTheWidth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Residual(4, List.of(new Dense(4, 3))));
        assertTrue(e.getMessage().contains("4 -> 3"), e.getMessage());
    }
}
