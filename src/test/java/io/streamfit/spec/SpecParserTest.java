package io.streamfit.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        assertEquals(1e-5, s.layers().get(2).values().number("eps"));
        assertEquals("softmax_cross_entropy", s.loss());
        assertEquals(0.8, s.optimizer().pair("betas")[0]);
        assertEquals(1e-8, s.optimizer().number("eps"));
        assertEquals(new ModelSpec.ClippingSpec("norm", 2.5), s.clipping());
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
        assertTrue(e.contains("optimizer.lr must be >= 0, got -1"), e.toString());
        assertTrue(e.contains("optimizer.betas[1] must be < 1, got 1.5"), e.toString());
        assertTrue(e.contains("batch_size must be > 0, got 0"), e.toString());
    }

    @Test
    void cycleMomentumIsOnWhereThereIsAMomentumToCycleAndRefusedWhereAskedWithoutOne() {
        String cyclic = "{\"type\":\"cyclic\",\"max_lr\":0.1}";
        String oneCycle = "{\"type\":\"one_cycle\",\"max_lr\":0.1,\"total_steps\":100}";
        assertEquals(true, SpecParser.parse(withOptimizer("{\"type\":\"adam\"}", cyclic)).schedule().flag("cycle_momentum"));
        assertEquals(true, SpecParser.parse(withOptimizer("{\"type\":\"sgd\",\"momentum\":0.9}", oneCycle)).schedule()
                .flag("cycle_momentum"));
        for (String none : List.of("{\"type\":\"sgd\"}", "{\"type\":\"adagrad\"}", "{\"type\":\"nadam\"}",
                "{\"type\":\"rmsprop\"}")) {
            assertEquals(false, SpecParser.parse(withOptimizer(none, oneCycle)).schedule().flag("cycle_momentum"), none);
        }
        assertEquals(List.of("schedule.cycle_momentum cannot be true: sgd has momentum 0 (PyTorch would switch momentum on:"
                + " set optimizer.momentum, e.g. 0.9)"),
                errorsOf(withOptimizer("{\"type\":\"sgd\"}", cyclic.replace("}", ",\"cycle_momentum\":true}"))));
        assertEquals(List.of("schedule.cycle_momentum cannot be true: adadelta has no momentum"),
                errorsOf(withOptimizer("{\"type\":\"adadelta\"}", oneCycle.replace("}", ",\"cycle_momentum\":true}"))));
        assertEquals(false, SpecParser.parse(withOptimizer("{\"type\":\"adam\"}", cyclic.replace("}",
                ",\"cycle_momentum\":false}"))).schedule().flag("cycle_momentum"));
    }

    /** A spec with this optimizer and schedule (JSON objects) and otherwise valid fields. */
    private static String withOptimizer(String optimizer, String schedule) {
        return """
                {"id":"m","topic":"t","input_width":3,"task":{"type":"classification","classes":2},
                 "layers":[{"type":"dense","units":4},{"type":"relu"},{"type":"dense","units":2}],
                 "optimizer":%s,"batch_size":8%s}""".formatted(optimizer, schedule == null ? "" : ",\"schedule\":" + schedule);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"sgd\",\"lr\":-0.1}|optimizer.lr must be >= 0, got -0.1",
            "{\"type\":\"adagrad\",\"lr_decay\":-1}|optimizer.lr_decay must be >= 0, got -1",
            "{\"type\":\"rmsprop\",\"alpha\":1.5}|optimizer.alpha must be < 1, got 1.5",
            "{\"type\":\"rmsprop\",\"momentum\":-0.5}|optimizer.momentum must be >= 0, got -0.5",
            "{\"type\":\"adadelta\",\"rho\":2}|optimizer.rho must be <= 1, got 2",
            "{\"type\":\"adam\",\"betas\":[1.0,0.999]}|optimizer.betas[0] must be < 1, got 1",
            "{\"type\":\"adamw\",\"betas\":[0.9,-0.1]}|optimizer.betas[1] must be >= 0, got -0.1",
            "{\"type\":\"adamw\",\"betas\":0.9}|optimizer.betas must be a pair of numbers like [0.9, 0.999], got 0.9",
            "{\"type\":\"nadam\",\"momentum_decay\":-1}|optimizer.momentum_decay must be >= 0, got -1",
            "{\"type\":\"adamax\",\"eps\":-1e-8}|optimizer.eps must be > 0, got -1.0E-8",
            "{\"type\":\"adam\",\"eps\":0}|optimizer.eps must be > 0, got 0",
            "{\"type\":\"adam\",\"momentum\":0.9}|optimizer.momentum is not a known field (known: amsgrad, betas, eps, lr, type, weight_decay)",
            "{\"type\":\"lamb\"}|optimizer.type must be one of [adadelta, adagrad, adam, adamax, adamw, nadam, rmsprop, sgd], got \"lamb\"",
    })
    void invalidOptimizerHyperParametersNameTheField(String optimizer, String message) {
        assertEquals(List.of(message), errorsOf(withOptimizer(optimizer, null)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"warmup_cosine\"}|schedule.type must be one of [constant, cosine, cosine_warm_restarts, cyclic, exponential, inverse_time, multistep, natural_exp, one_cycle, plateau, polynomial, step], got \"warmup_cosine\"",
            "{\"type\":\"step\"}|schedule.step_size is required",
            "{\"type\":\"multistep\",\"milestones\":[10,5]}|schedule.milestones[1] must be an integer >= 1 greater than the one before, got 5",
            "{\"type\":\"exponential\",\"gamma\":0}|schedule.gamma must be > 0, got 0",
            "{\"type\":\"exponential\",\"gamma\":1.5}|schedule.gamma must be <= 1, got 1.5",
            "{\"type\":\"cyclic\",\"base_lr\":0.1,\"max_lr\":0.01}|schedule.max_lr must be >= base_lr (0.1), got 0.01",
            "{\"type\":\"cosine\",\"T_max\":0}|schedule.T_max must be > 0, got 0",
            "{\"type\":\"cyclic\",\"max_lr\":0.1,\"mode\":\"sawtooth\"}|schedule.mode must be one of [exp_range, triangular, triangular2], got \"sawtooth\"",
            "{\"type\":\"one_cycle\",\"max_lr\":0.1,\"total_steps\":3}|schedule.pct_start must exceed 1 / total_steps = 0.3333 so that the rising phase has a step, got 0.3",
            "{\"type\":\"one_cycle\",\"max_lr\":0.1,\"total_steps\":100,\"pct_start\":0.6,\"three_phase\":true}|schedule.pct_start must be <= 0.5 with three_phase (two phases of pct_start * total_steps each), got 0.6",
            "{\"type\":\"cosine\",\"T_max\":10,\"warmup\":{\"steps\":0}}|schedule.warmup.steps must be > 0, got 0",
            "{\"type\":\"cosine\",\"T_max\":10,\"warmup\":{\"steps\":5,\"mode\":\"exponential\",\"start_factor\":0}}|schedule.warmup.start_factor must be > 0, got 0",
            "{\"type\":\"cosine\",\"T_max\":10,\"warmup\":{\"steps\":5,\"start_factor\":0}}|schedule.warmup.start_factor must be > 0, got 0",
            "{\"type\":\"constant\",\"linear_scaling\":{\"reference_batch_size\":-256}}|schedule.linear_scaling.reference_batch_size must be > 0, got -256",
            "{\"type\":\"step\",\"step_size\":10,\"T_max\":5}|schedule.T_max is not a known field (known: gamma, linear_scaling, step_size, type, warmup)",
    })
    void invalidSchedulesNameTheField(String schedule, String message) {
        assertEquals(List.of(message), errorsOf(withOptimizer("{\"type\":\"sgd\"}", schedule)));
    }

    @Test
    void labelSmoothingIsALossOption() {
        String base = """
                {"id":"m","topic":"t","input_width":3,"task":{"type":"%s","%s":2},
                 "layers":[{"type":"dense","units":2}],"loss":%s,"optimizer":{"type":"sgd"},"batch_size":8}""";
        assertEquals(0.1, SpecParser.parse(base.formatted("classification", "classes",
                "{\"type\":\"softmax_cross_entropy\",\"label_smoothing\":0.1}")).labelSmoothing());
        assertEquals(0.0,
                SpecParser.parse(base.formatted("classification", "classes", "\"softmax_cross_entropy\"")).labelSmoothing());
        assertEquals(List.of("loss.label_smoothing must be <= 1, got 1.5"), errorsOf(base.formatted("classification", "classes",
                "{\"type\":\"softmax_cross_entropy\",\"label_smoothing\":1.5}")));
        assertEquals(List.of("loss.label_smoothing applies to softmax_cross_entropy only, not mse"), errorsOf(base.formatted(
                "regression", "outputs", "{\"type\":\"mse\",\"label_smoothing\":0.1}")));
        assertEquals(List.of("loss.type must be one of [binary_cross_entropy, mse, softmax_cross_entropy], got \"hinge\""),
                errorsOf(base.formatted("classification", "classes", "{\"type\":\"hinge\"}")));
    }

    @Test
    void initializersFreezingClippingAndPretrainedAreValidated() {
        String base = """
                {"id":"m","topic":"t","input_width":3,"task":{"type":"classification","classes":2},
                 "layers":[{"type":"dense","units":4,%s},{"type":"relu"},{"type":"dense","units":2}],
                 "optimizer":{"type":"sgd"},"batch_size":8%s}""";
        assertEquals(List.of("layers[0].bias_init xavier_uniform needs a weight matrix (it uses fan_in/fan_out); a vector "
                + "takes zeros, ones, constant, normal or uniform"),
                errorsOf(base.formatted("\"bias_init\":\"xavier_uniform\"", "")));
        assertEquals(List.of(
                "layers[0].weight_init.nonlinearity must be one of [identity, leaky_relu, linear, relu, selu, sigmoid, tanh], got \"swish\""),
                errorsOf(base.formatted("\"weight_init\":{\"type\":\"kaiming_normal\",\"nonlinearity\":\"swish\"}", "")));
        assertEquals(List.of(
                "freeze[0] must name a module with parameters or one of its tensors, one of [0, 0.bias, 0.weight, 2, 2.bias, 2.weight], got \"1\""),
                errorsOf(base.formatted("\"units\":4", ",\"freeze\":[\"1\"]").replace(",\"units\":4,\"units\":4",
                        ",\"units\":4")));
        assertEquals(List.of("gradient_clipping.clip_value must be > 0, got -1"),
                errorsOf(base.formatted("\"units\":4", ",\"gradient_clipping\":{\"type\":\"value\",\"clip_value\":-1}")
                        .replace(",\"units\":4,\"units\":4", ",\"units\":4")));
        assertEquals(List.of(
                "pretrained must set exactly one of model (a model id whose latest snapshot to start from) or file (a .safetensors snapshot)"),
                errorsOf(base.formatted("\"units\":4", ",\"pretrained\":{\"model\":\"a\",\"file\":\"b.safetensors\"}")
                        .replace(",\"units\":4,\"units\":4", ",\"units\":4")));
        assertEquals(List.of("freeze freezes every parameter: nothing would be trained"),
                errorsOf(base.formatted("\"units\":4", ",\"freeze\":[0, \"2\"]").replace(",\"units\":4,\"units\":4",
                        ",\"units\":4")));
        assertEquals(List.of("pretrained.model names this model itself, which restores its own snapshots anyway; to restart it "
                + "from a downloaded snapshot use pretrained.file"),
                errorsOf(base.formatted("\"units\":4", ",\"pretrained\":{\"model\":\"m\"}").replace(",\"units\":4,\"units\":4",
                        ",\"units\":4")));
        ModelSpec ok = SpecParser
                .parse(base.formatted("\"weight_init\":\"orthogonal\",\"bias_init\":{\"type\":\"constant\",\"val\":0.1}",
                        ",\"freeze\":[0],\"gradient_clipping\":{\"type\":\"per_tensor_norm\",\"max_norm\":1}"));
        assertEquals("orthogonal", ok.layers().get(0).init().get("weight").type());
        assertEquals(0.1, ok.layers().get(0).init().get("bias").number("val"));
        assertEquals(List.of("0"), ok.freeze());
        assertEquals(new ModelSpec.ClippingSpec("per_tensor_norm", 1), ok.clipping());
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
        assertEquals(
                List.of("dead_letter_topic must differ from topic \"clicks.examples\": rejected records would be read again"), e);
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

    static final String RESIDUAL = VALID.replace("  - {type: layer_norm}\n", """
              - type: residual
                layers:
                  - {type: dense, units: 4}
                  - {type: relu}
                  - {type: residual, layers: [{type: layer_norm}, {type: dense, units: 4}]}
                  - {type: dense, units: 8}
            """);

    @Test
    void residualBlocksNestAndCountTheirParameters() {
        ModelSpec s = SpecParser.parse(RESIDUAL + "freeze: [\"2.body.2\"]\n");
        ModelSpec.LayerSpec block = s.layers().get(2);
        assertTrue(block.isResidual());
        assertEquals(List.of("dense", "relu", "residual", "dense"),
                block.body().stream().map(ModelSpec.LayerSpec::type).toList());
        // 4*8+8 | body: 8*4+4, inner (4+4) + (4*4+4), 4*8+8 | 8*3+3
        assertEquals(40 + 36 + 8 + 20 + 40 + 27, s.parameterCount());
        assertEquals("layer_norm", s.layerOf("2.body.2.body.0.weight").type());
        assertEquals(4, s.layerOf("2.body.2.body.1.bias").values().count("units"));
        assertEquals("dense", s.layerOf("3.weight").type());
        assertTrue(ModelSpec.freezes(s.freeze(), "2.body.2.body.1.weight"));
        assertTrue(!ModelSpec.freezes(s.freeze(), "2.body.0.weight"));
    }

    @Test
    void residualBodyMustEndAtItsInputWidth() {
        List<String> e = errorsOf(RESIDUAL.replace("      - {type: dense, units: 8}\n", "      - {type: dense, units: 5}\n"));
        assertEquals(List.of("layers[2].layers end with width 5 but a residual block adds its body's output to its input, "
                + "so the body must end with width 8"), e);
    }

    @Test
    void residualErrorsNameTheNestedPath() {
        List<String> e = errorsOf(
                RESIDUAL.replace("{type: layer_norm}, {type: dense, units: 4}", "{type: layer_norm}, {type: dense, units: 0}"));
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).startsWith("layers[2].layers[2].layers[1].units "), e.toString());
        assertEquals(List.of("layers[2].layers is empty: the block's body needs at least one layer"),
                errorsOf(VALID.replace("{type: layer_norm}", "{type: residual, layers: []}")));
    }

    @Test
    void residualNestingIsBounded() {
        String deep = "{type: relu}";
        for (int i = 0; i < 6; i++) {
            deep = "{type: residual, layers: [" + deep + "]}";
        }
        List<String> e = errorsOf(VALID.replace("{type: layer_norm}", deep));
        assertTrue(e.get(0).contains("nests residual blocks more than 4 deep"), e.toString());
    }

    @Test
    void freezingEveryTensorInsideBlocksIsRefused() {
        String spec = """
                {"id":"f","topic":"t","input_width":4,"task":{"type":"regression","outputs":4},
                 "layers":[{"type":"residual","layers":[{"type":"dense","units":4}]}],
                 "optimizer":{"type":"sgd","lr":0.1},"batch_size":4,"freeze":%s}""";
        assertEquals(List.of("freeze freezes every parameter: nothing would be trained"),
                errorsOf(spec.formatted("[\"0.body.0\"]")));
        assertEquals(List.of("freeze[0] must name a module with parameters or one of its tensors, one of "
                + "[0, 0.body.0, 0.body.0.bias, 0.body.0.weight], got \"0.weight\""), errorsOf(spec.formatted("[\"0.weight\"]")));
    }

    @Test
    void aMissingListOfMilestonesIsReportedNotACrash() {
        assertEquals(List.of("schedule.milestones is required: a non-empty array of increasing step counts like [1000, 5000]"),
                errorsOf(VALID + "schedule: {type: multistep}\n"));
    }

    @Test
    void aLayerKindsLimitsAddNoErrorToAnotherMistake() {
        // An out-of-range width is reported once, not again by each layer after it; a missing batch
        // size is "required", not also "too small for batch_norm".
        assertEquals(List.of("input_width must be <= 1000000, got 2000000"),
                errorsOf(VALID.replace("input_width: 4", "input_width: 2000000")));
        assertEquals(List.of("batch_size is required"), errorsOf(VALID.replace("  - {type: relu}\n", "  - {type: batch_norm}\n")
                .replace("batch_size: 16\n", "")));
        // A negative width declares no negative parameters that could hide the parameter limit.
        assertEquals(List.of("layers[0].units must be > 0, got -5"),
                errorsOf(VALID.replace("{type: dense, units: 8}", "{type: dense, units: -5}")));
    }

    @Test
    void pcaWhiteningIsLimitedToNarrowInputs() {
        ModelSpec s = SpecParser.parse(VALID.replace("  - {type: dense, units: 8}\n",
                "  - {type: pca_whiten, zca: true}\n  - {type: dense, units: 8}\n"));
        assertTrue(s.layers().get(0).values().flag("zca"));
        assertEquals(10_000, s.layers().get(0).values().count("refresh_every"));
        String wide = VALID.replace("input_width: 4", "input_width: 129")
                .replace("  - {type: dense, units: 8}\n", "  - {type: pca_whiten}\n  - {type: dense, units: 8}\n");
        assertEquals(List.of("layers[0] pca_whiten works on inputs up to 128 wide (its covariance is width x width and each "
                + "refresh costs width^3), got 129; use standardize"), errorsOf(wide));
    }

    @Test
    void divergenceGuardDefaultsAndErrors() {
        assertEquals(new ModelSpec.DivergenceSpec(10, 0.5, 3), SpecParser.parse(VALID).divergence());
        assertEquals(List.of("divergence.max_bad_steps must be > 0, got 0", "divergence.lr_factor must be <= 1, got 1.5"),
                errorsOf(VALID + "divergence: {lr_factor: 1.5, max_bad_steps: 0}\n"));
    }

    @Test
    void earlyStoppingDefaultsAndErrors() {
        ModelSpec s = SpecParser.parse(VALID + "early_stopping: {}\n");
        assertEquals(new ModelSpec.EarlyStoppingSpec(10, 10, 5, 0, 0, 0), s.earlyStopping());
        assertEquals(null, SpecParser.parse(VALID).earlyStopping());
        assertEquals(List.of("early_stopping.holdout_every must be >= 2, got 1",
                "early_stopping.patience must be > 0, got 0",
                "early_stopping.resume.when is not a known field (known: after_batches, loss_increase)",
                "early_stopping.resume.loss_increase must be >= 0, got -0.5"),
                errorsOf(VALID + "early_stopping: {holdout_every: 1, patience: 0, resume: {loss_increase: -0.5, when: now}}\n"));
    }

    @Test
    void imageAugmentationNeedsAnImageShapeThatMatchesTheWidth() {
        ModelSpec s = SpecParser.parse(
                VALID + "input_shape: [2, 2, 1]\naugmentation: {shift: 1, horizontal_flip: true, rotation: 10, mixup: {}}\n");
        assertEquals(new ModelSpec.ImageShape(2, 2, 1), s.inputShape());
        assertEquals(new ModelSpec.AugmentationSpec(0.2, 1, true, 10), s.augmentation());
        assertEquals(List.of("augmentation shift, horizontal_flip and rotation need the input declared as an image: "
                + "input_shape: [height, width, channels]"), errorsOf(VALID + "augmentation: {horizontal_flip: true}\n"));
        assertEquals(List.of("input_shape [3,3,1] holds 9 values but input_width is 4"),
                errorsOf(VALID + "input_shape: [3, 3, 1]\n"));
        assertEquals(List.of("input_shape must be [height, width, channels] (three integers, row-major HWC), got an array"),
                errorsOf(VALID + "input_shape: [4]\n"));
        assertEquals(List.of("augmentation.shift must be smaller than the image (2x2), got 2"),
                errorsOf(VALID + "input_shape: [2, 2, 1]\naugmentation: {shift: 2}\n"));
        assertEquals(List.of("augmentation.mixup.alpha must be > 0, got 0"),
                errorsOf(VALID + "augmentation: {mixup: {alpha: 0}}\n"));
        assertTrue(errorsOf(VALID.replace("task: {type: classification, classes: 3}", "task: {type: regression, outputs: 3}")
                + "augmentation: {mixup: {alpha: 0.2}}\n").get(0)
                .startsWith("augmentation.mixup applies to classification and binary"));
    }
}
