package io.streamfit.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpecParserTest {
    static final String VALID = """
            id: clicks
            topic: clicks.examples
            input_width: 4
            task: {type: classification, classes: 3}
            layers:
              - {type: dense, units: 8}
              - {type: relu}
              - {type: layer_norm}
              - {type: dense, units: 3}
            optimizer: {type: adam, lr: 0.01, betas: [0.8, 0.99]}
            gradient_clipping: {max_norm: 2.5}
            batch_size: 16
            seed: 7
            snapshot: {every_steps: 100, every_seconds: 5}
            """;

    private static List<String> errorsOf(String yaml) {
        return assertThrows(SpecException.class, () -> SpecParser.parse(yaml)).errors();
    }

    @Test
    void validSpecWithDefaults() {
        ModelSpec s = SpecParser.parse(VALID);
        assertEquals("clicks", s.id());
        assertEquals(4, s.inputWidth());
        assertEquals(ModelSpec.TaskType.CLASSIFICATION, s.task().type());
        assertEquals(4, s.layers().size());
        assertEquals(1e-5, s.layers().get(2).eps());
        assertEquals("softmax_cross_entropy", s.loss());
        assertEquals(0.8, s.optimizer().pair("betas")[0]);
        assertEquals(1e-8, s.optimizer().number("eps"));
        assertEquals(2.5, s.clipMaxNorm());
        assertEquals(100, s.snapshot().everySteps());
        assertEquals("clicks.examples.dlq", s.deadLetterTopic());
    }

    @Test
    void jsonIsAcceptedToo() {
        ModelSpec s = SpecParser.parse("""
                {"id":"r","topic":"t","input_width":2,"task":{"type":"regression","outputs":1},
                 "layers":[{"type":"dense","units":1}],"optimizer":{"type":"sgd","lr":0.1,"momentum":0.9,"nesterov":true},
                 "batch_size":4}""");
        assertEquals("mse", s.loss());
        assertTrue(s.optimizer().flag("nesterov"));
    }

    @Test
    void negativeUnitsAreNamedByPath() {
        List<String> e = errorsOf(VALID.replace("- {type: dense, units: 3}", "- {type: dense, units: -3}"));
        assertTrue(e.contains("layers[3].units must be > 0, got -3"), e.toString());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        List<String> e = errorsOf("""
                id: "bad id!"
                input_width: 0
                task: {type: classification, classes: 1}
                layers: [{type: dense, unit: 3}, {type: swish}]
                optimizer: {type: adam, lr: -1, betas: [0.9, 1.5]}
                batch_size: 0
                """);
        assertTrue(e.contains("id must be 1-64 characters of [A-Za-z0-9._-], got \"bad id!\""), e.toString());
        assertTrue(e.contains("topic is required"), e.toString());
        assertTrue(e.contains("input_width must be > 0, got 0"), e.toString());
        assertTrue(e.contains("task.classes must be >= 2, got 1"), e.toString());
        assertTrue(e.stream().anyMatch(m -> m.startsWith("layers[0].unit is not a known field")), e.toString());
        assertTrue(e.contains("layers[0].units is required"), e.toString());
        assertTrue(e.stream().anyMatch(m -> m.startsWith("layers[1].type must be one of")), e.toString());
        assertTrue(e.contains("optimizer.lr must be > 0, got -1"), e.toString());
        assertTrue(e.contains("optimizer.betas[1] must be < 1, got 1.5"), e.toString());
        assertTrue(e.contains("batch_size must be > 0, got 0"), e.toString());
    }

    @Test
    void outputWidthMustMatchTheTask() {
        List<String> e = errorsOf(VALID.replace("classes: 3", "classes: 5"));
        assertEquals(List.of("layers end with width 3 but task classes is 5: the last dense layer must have that many units"), e);
    }

    @Test
    void lossMustFitTheTask() {
        List<String> e = errorsOf(VALID.replace("batch_size: 16", "batch_size: 16\nloss: mse"));
        assertEquals(List.of("loss \"mse\" does not fit task type classification (use softmax_cross_entropy)"), e);
    }

    @Test
    void nesterovNeedsMomentum() {
        List<String> e = errorsOf(VALID.replace("{type: adam, lr: 0.01, betas: [0.8, 0.99]}", "{type: sgd, nesterov: true}"));
        assertEquals(List.of("optimizer.nesterov requires momentum > 0 and dampening = 0 (as in torch.optim.SGD)"), e);
    }

    @Test
    void hugeModelsAreRefusedBeforeAllocation() {
        List<String> e = errorsOf(VALID.replace("units: 8}", "units: 900000}\n  - {type: dense, units: 900000}"));
        assertTrue(e.stream().anyMatch(m -> m.startsWith("layers declare") && m.contains("more than the limit")), e.toString());
    }

    @Test
    void notYamlIsAClearError() {
        List<String> e = errorsOf("id: [unclosed");
        assertTrue(e.get(0).startsWith("spec is not valid YAML/JSON"), e.toString());
        assertTrue(errorsOf("42").get(0).startsWith("spec must be an object"));
    }

    @Test
    void deadLetterTopicMustNotBeTheInput() {
        List<String> e = errorsOf(VALID + "dead_letter_topic: clicks.examples\n");
        assertEquals(List.of("dead_letter_topic must differ from topic \"clicks.examples\": rejected records would be read again"), e);
    }

    @Test
    void snapshotSizeIsEstimatedFromTheLayers() {
        ModelSpec s = SpecParser.parse(VALID);
        assertEquals(4 * 8 + 8 + 16 + 8 * 3 + 3, s.parameterCount());
        assertTrue(s.estimatedSnapshotBytes() >= 4 * s.parameterCount() * 3);
    }

    @Test
    void snapshotPolicyCannotBeOff() {
        List<String> e = errorsOf(VALID.replace("{every_steps: 100, every_seconds: 5}", "{every_steps: 0, every_seconds: 0}"));
        assertTrue(e.get(0).startsWith("snapshot must set every_steps or every_seconds"), e.toString());
    }
}
