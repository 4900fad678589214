package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
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
}
