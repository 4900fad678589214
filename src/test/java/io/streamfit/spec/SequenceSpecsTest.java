package io.streamfit.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.Network;
import io.streamfit.nn.ParamTensor;
import io.streamfit.train.ModelFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The {@code sequence} section and the recurrent layers' options, with the messages a wrong spec gets. */
class SequenceSpecsTest {
    private static String spec(String sequence, String layer) {
        return String.join("\n", "id: s", "topic: t", sequence, "task: {type: classification, classes: 3}",
                "layers: [" + layer + ", {type: dense, units: 3}]", "optimizer: {type: adam, lr: 0.01}", "batch_size: 4");
    }

    private static List<String> errorsOf(String yaml) {
        return assertThrows(SpecException.class, () -> SpecParser.parse(yaml)).errors();
    }

    private static void assertHas(List<String> errors, String start) {
        assertTrue(errors.stream().anyMatch(e -> e.startsWith(start)), "no error starting " + start + " in " + errors);
    }

    @Test
    void aSequenceSpecDerivesTheRowWidthAndTheLayersInputSize() {
        ModelSpec s = SpecParser.parse(spec("sequence: {length: 50, min_length: 10, features: 2}",
                "{type: lstm, hidden_size: 8, num_layers: 2, bidirectional: true}"));
        assertEquals(new ModelSpec.SequenceSpec(50, 10, 2, true), s.sequence());
        assertEquals(101, s.inputWidth(), "50 steps of 2 values, then the length");
        assertEquals(2L, s.layers().get(0).values().count("input_size"));
        // nn.LSTM(2, 8, num_layers=2, bidirectional=True): 4 gates, layer 1 reads both directions
        long perDirection0 = 32 * 2 + 32 * 8 + 32 + 32, perDirection1 = 32 * 16 + 32 * 8 + 32 + 32;
        assertEquals(2 * perDirection0 + 2 * perDirection1 + 16 * 3 + 3, s.parameterCount());
        Network net = ModelFactory.network(s, DataType.FLOAT);
        assertEquals(List.of("0.weight_ih_l0", "0.weight_hh_l0", "0.bias_ih_l0", "0.bias_hh_l0", "0.weight_ih_l0_reverse",
                "0.weight_hh_l0_reverse", "0.bias_ih_l0_reverse", "0.bias_hh_l0_reverse", "0.weight_ih_l1", "0.weight_hh_l1",
                "0.bias_ih_l1", "0.bias_hh_l1", "0.weight_ih_l1_reverse", "0.weight_hh_l1_reverse", "0.bias_ih_l1_reverse",
                "0.bias_hh_l1_reverse", "1.weight", "1.bias"), net.tensors().stream().map(ParamTensor::name).toList());
        assertEquals(101,
                SpecParser.parse(spec("input_width: 100\nsequence: {length: 50, features: 2}", "{type: gru, hidden_size: 4}"))
                        .inputWidth(),
                "input_width, when given, is length x features");
    }

    @Test
    void everyLayerAndDirectionsTensorsTakeInitAndFreeze() {
        ModelSpec s = SpecParser.parse(spec("sequence: {length: 5, features: 2}\nfreeze: [0.weight_ih_l1_reverse]",
                "{type: gru, hidden_size: 4, num_layers: 2, bidirectional: true, weight_hh_l1_reverse_init: {type: orthogonal}}"));
        assertEquals(List.of("0.weight_ih_l1_reverse"), s.freeze());
        assertEquals("orthogonal", s.layers().get(0).init().get("weight_hh_l1_reverse").type());
        assertHas(
                errorsOf(spec("sequence: {length: 5, features: 2}",
                        "{type: gru, hidden_size: 4, weight_hh_l1_init: {type: orthogonal}}")),
                "layers[0]");
    }

    @Test
    void wrongSequenceSpecsAreRefusedByField() {
        assertHas(errorsOf(spec("sequence: {length: 5, min_length: 6, features: 2}", "{type: lstm, hidden_size: 4}")),
                "sequence.min_length must be <= length (5), got 6");
        assertHas(errorsOf(spec("sequence: {length: 5}", "{type: lstm, hidden_size: 4}")), "sequence.features is required");
        assertHas(errorsOf(spec("sequence: {length: 1000, features: 2000}", "{type: lstm, hidden_size: 4}")),
                "sequence declares 2000000 values per sequence");
        assertHas(errorsOf(spec("input_width: 7\nsequence: {length: 5, features: 2}", "{type: lstm, hidden_size: 4}")),
                "input_width must be length x features = 10 with a sequence (or be left out), got 7");
        assertHas(errorsOf(spec("sequence: {length: 5, features: 2}", "{type: lstm, hidden_size: 4, input_size: 3}")),
                "layers[0].input_size must be the sequence's features (2) or be left out, got 3");
        assertHas(errorsOf(spec("sequence: {length: 5, features: 2}", "{type: lstm, hidden_size: 4, dropout: 0.2}")),
                "layers[0]");
    }

    @Test
    void aBatchWhoseBackpropagationWouldNotFitIsRefused() {
        // 4096 sequences x 1000 steps x (2 directions x (24 x 256 + 4 x 256) + 4 x (2 + 512)) doubles x 8 bytes = 512,250 MiB
        assertHas(errorsOf(spec("sequence: {length: 1000, features: 2}", "{type: lstm, hidden_size: 256, bidirectional: true}")
                .replace("batch_size: 4", "batch_size: 4096")), "layers[0] would keep 512250 MiB per training batch of 4096");
        String fits = spec("sequence: {length: 1000, features: 2}", "{type: lstm, hidden_size: 256, bidirectional: true}")
                .replace("batch_size: 4", "batch_size: 16"); // 2,000 MiB
        SpecParser.parse(fits);
        // replay at fraction 0.9 makes each batch of 16 one of 160 rows
        assertHas(errorsOf(fits + "\nreplay: {capacity: 1000, fraction: 0.9}"),
                "layers[0] would keep 20009 MiB per training batch of 160");
        assertHas(errorsOf(spec("sequence: {length: 5, features: 2}", "{type: rnn, hidden_size: 4000, hh_init: orthogonal}")),
                "layers[0].hh_init orthogonal on 4000x4000 blocks");
        assertHas(errorsOf(spec("sequence: {length: 5, features: 2}",
                "{type: lstm, hidden_size: 4}, {type: residual, layers: [{type: lstm, hidden_size: 4}]}")),
                "layers[1] a recurrent layer cannot be inside a residual block");
        assertHas(errorsOf(spec("sequence: {length: 5, features: 2}", "{type: lstm, hidden_size: 4, num_layers: 2000000000}")),
                "layers[0].num_layers must be <= 16");
    }

    @Test
    void recurrentLayersGoFirstAndOnlyWithASequence() {
        assertHas(errorsOf(spec("input_width: 4", "{type: lstm, hidden_size: 4}")),
                "layers[0] lstm reads sequences: declare the input with sequence: {length: <steps>, features: <values per step>}");
        assertHas(errorsOf(spec("sequence: {length: 5, features: 2}", "{type: dense, units: 4}")),
                "layers[0] with a sequence input the first layer must be rnn, lstm or gru, got dense");
        assertHas(
                errorsOf(spec("sequence: {length: 5, features: 2}", "{type: gru, hidden_size: 4}, {type: gru, hidden_size: 4}")),
                "layers[1] a recurrent layer must be the first layer");
        assertHas(
                errorsOf(spec("sequence: {length: 5, features: 2}\naugmentation: {mixup: {alpha: 0.2}}",
                        "{type: gru, hidden_size: 4}")),
                "augmentation does not apply to sequences");
    }
}
