package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamfit.nn.ParamTensor;
import io.streamfit.optim.Regularizer;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The regularization group: which tensors it covers, and that it equals PyTorch's forms where they exist. */
class RegularizerTest {

    static ModelSpec spec(String optimizer, String regularization) {
        return SpecParser.parse("""
                id: reg
                topic: t
                input_width: 5
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 6}, {type: tanh}, {type: layer_norm}, {type: dense, units: 3}]
                optimizer: %s
                batch_size: 4
                seed: 3
                %s
                """.formatted(optimizer, regularization == null ? "" : "regularization: " + regularization));
    }

    private static float[] trained(ModelSpec spec) {
        ModelState s = ModelState.fresh(spec);
        for (Batch b : LockstepRestoreTest.batches(10)) {
            s.train(b);
        }
        return s.network().params().toFloatVector();
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
        }
    }

    @Test
    void decoupledDecayOverEveryTensorIsAdamW() {
        assertClose(trained(spec("{type: adamw, lr: 0.01, weight_decay: 0.1}", null)),
                trained(spec("{type: adam, lr: 0.01}", "{weight_decay: 0.1, exclude: []}")), "AdamW");
    }

    @Test
    void anL2PenaltyOverEveryTensorIsTorchsWeightDecay() {
        assertClose(trained(spec("{type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.01}", null)),
                trained(spec("{type: sgd, lr: 0.05, momentum: 0.9}", "{l2: 0.01, exclude: []}")), "SGD weight_decay");
    }

    @Test
    void biasesAndNormalizationParametersAreLeftOutByDefault() {
        ModelSpec spec = spec("{type: sgd}", "{l1: 0.001, l2: 0.01, weight_decay: 0.5}");
        ModelState s = ModelState.fresh(spec);
        Regularizer reg = ModelFactory.regularizer(spec, s.network());
        s.network().grads().assign(0);
        float[] before = s.network().params().toFloatVector();
        reg.addPenaltyGradients();
        reg.decay(0.1);
        float[] grads = s.network().grads().toFloatVector();
        float[] after = s.network().params().toFloatVector();
        for (ParamTensor t : s.network().tensors()) {
            boolean inGroup = t.name().equals("0.weight") || t.name().equals("3.weight");
            for (long k = t.offset(); k < t.offset() + t.length(); k++) {
                int i = (int) k;
                double p = before[i];
                double expectedGrad = inGroup ? 0.01 * p + 0.001 * Math.signum(p) : 0;
                assertEquals(expectedGrad, grads[i], 1e-7, t.name() + " gradient");
                assertEquals(inGroup ? p * (1 - 0.1 * 0.5) : p, after[i], 1e-7, t.name() + " decay");
            }
        }
        List<String> errors = assertThrows(SpecException.class,
                () -> spec("{type: sgd}", "{l2: 0.1, exclude: [weights]}")).errors();
        assertEquals(List.of("regularization.exclude[0] must be bias or norm, got \"weights\""), errors);
    }
}
