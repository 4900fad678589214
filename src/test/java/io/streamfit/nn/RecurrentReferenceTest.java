package io.streamfit.nn;

import static io.streamfit.nn.PyTorchReferenceTest.assertClose;
import static io.streamfit.nn.PyTorchReferenceTest.matrix;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.Golden;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The recurrent layers against PyTorch's {@code nn.RNN}, {@code nn.LSTM} and {@code nn.GRU} in
 * float64, from {@code src/test/python/golden_recurrent.py} (command in its header): outputs,
 * every parameter's gradient and the input gradient, to 1e-12 relative, for sequences of
 * different lengths (PyTorch's packed sequences), one and two layers, one and two directions,
 * {@code last} and {@code mean}, and truncated backpropagation (PyTorch: the state detached
 * {@code truncate} steps before each sequence's end). The tensors are set by their
 * {@code state_dict} names, so names, order and layouts are checked too.
 */
class RecurrentReferenceTest {
    private static final JsonNode GOLDEN = Golden.load("recurrent.json");

    static Stream<Arguments> cases() {
        return Golden.namedCases(GOLDEN.get("cases"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardAndBackwardAreTorchs(String name, JsonNode c) {
        RecurrentCell cell = switch (c.get("mode").asText()) {
            case "lstm" -> RecurrentCell.LSTM;
            case "gru" -> RecurrentCell.GRU;
            case "rnn_relu" -> RecurrentCell.RNN_RELU;
            default -> RecurrentCell.RNN_TANH;
        };
        int features = c.get("input_size").asInt(), steps = c.get("steps").asInt();
        Recurrent layer = new Recurrent(cell, SequenceRows.width(steps, features), features,
                new Recurrent.Options(c.get("hidden_size").asInt(), c.get("num_layers").asInt(),
                        c.get("bidirectional").asBoolean(), c.get("output").asText().equals("mean"), 0, 0,
                        c.get("truncate").asInt(), false, Double.NaN));
        Network net = new Network(List.of(layer), DataType.DOUBLE);
        JsonNode params = c.get("params");
        assertEquals(params.size(), net.tensors().size(), "tensor count");
        for (int i = 0; i < params.size(); i++) {
            ParamTensor t = net.tensors().get(i);
            assertEquals("0." + params.get(i).get(0).asText(), t.name(), "tensor " + i + "'s state_dict name");
            long[] shape = new long[params.get(i).get(1).size()];
            for (int k = 0; k < shape.length; k++) {
                shape[k] = params.get(i).get(1).get(k).asLong();
            }
            assertEquals(Arrays.toString(shape), Arrays.toString(t.shape()), t.name() + " shape");
            t.value().assign(Nd4j.create(doubles(params.get(i).get(2)), shape, 'c'));
        }
        INDArray x = matrix(c.get("x"));
        INDArray[] acts = net.forward(x);
        assertClose(matrix(c.get("out")), acts[1], name + " output");
        assertClose(matrix(c.get("out")), net.predict(x), name + " prediction");
        INDArray dx = Nd4j.create(DataType.DOUBLE, x.shape());
        INDArray dOut = matrix(c.get("d_out"));
        layer.backward(x, acts[1], dOut, dx);
        JsonNode grads = c.get("grads");
        for (int i = 0; i < grads.size(); i++) {
            ParamTensor t = net.tensors().get(i);
            assertClose(Nd4j.create(doubles(grads.get(i).get(1))), t.grad().reshape(t.length()), name + " d" + t.name());
        }
        assertClose(matrix(c.get("dx")), dx, name + " dx");
    }

    private static double[] doubles(JsonNode v) {
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).asDouble();
        }
        return out;
    }
}
