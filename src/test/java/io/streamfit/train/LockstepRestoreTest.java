package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.streamfit.nn.SplitMix64;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * For every optimizer configuration crossed with every schedule: train k steps, snapshot through
 * the codec, restore into a fresh model, train n - k more; the parameters, every optimizer state
 * buffer, the step count and the learning rate must be bitwise what n uninterrupted steps give.
 * The schedules are scaled so that each one changes the rate within the n steps.
 */
class LockstepRestoreTest {
    private static final int N = 12;
    private static final int K = 5;

    static final List<String> OPTIMIZERS = List.of(
            "{type: sgd, lr: 0.05}",
            "{type: sgd, lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.01}",
            "{type: adagrad, lr: 0.05, lr_decay: 0.01, initial_accumulator_value: 0.1}",
            "{type: rmsprop, lr: 0.01, momentum: 0.5, centered: true, weight_decay: 0.001}",
            "{type: adadelta, lr: 1.0}",
            "{type: adam, lr: 0.01}",
            "{type: adam, lr: 0.01, amsgrad: true, weight_decay: 0.01}",
            "{type: adamw, lr: 0.01, weight_decay: 0.1}",
            "{type: nadam, lr: 0.01, momentum_decay: 0.01}",
            "{type: adamax, lr: 0.01}");

    static final List<String> SCHEDULES = List.of(
            "{type: constant}",
            "{type: step, step_size: 3, gamma: 0.5}",
            "{type: multistep, milestones: [2, 6, 9], gamma: 0.5}",
            "{type: exponential, gamma: 0.9}",
            "{type: natural_exp, decay_rate: 0.5, decay_steps: 2, staircase: true}",
            "{type: inverse_time, decay_rate: 0.5, decay_steps: 3}",
            "{type: polynomial, total_iters: 10, power: 2.0}",
            "{type: cosine, T_max: 6, eta_min: 0.0001}",
            "{type: cyclic, base_lr: 0.001, max_lr: 0.1, step_size_up: 3, mode: triangular2}",
            "{type: cosine_warm_restarts, T_0: 3, T_mult: 2}",
            "{type: one_cycle, max_lr: 0.05, total_steps: 12, pct_start: 0.25}",
            "{type: cosine, T_max: 8, warmup: {steps: 4, mode: exponential, start_factor: 0.1}}",
            "{type: step, step_size: 4, warmup: {steps: 3}, linear_scaling: {reference_batch_size: 2}}");

    static Stream<Arguments> combinations() {
        List<Arguments> out = new ArrayList<>();
        for (String o : OPTIMIZERS) {
            for (String s : SCHEDULES) {
                out.add(Arguments.of(o, s));
            }
        }
        return out.stream();
    }

    static ModelSpec spec(String optimizer, String schedule) {
        return spec(optimizer, schedule, 100);
    }

    static ModelSpec spec(String optimizer, String schedule, int window) {
        return SpecParser.parse("""
                id: lockstep
                topic: t
                input_width: 5
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 6}, {type: tanh}, {type: layer_norm}, {type: dense, units: 3}]
                optimizer: %s
                schedule: %s
                gradient_clipping: {max_norm: 2.0}
                batch_size: 4
                seed: 7
                evaluation: {window: %d}
                """.formatted(optimizer, schedule, window));
    }

    static List<Batch> batches(int n) {
        SplitMix64 rng = new SplitMix64(11);
        List<Batch> out = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            float[] x = new float[4 * 5];
            float[] y = new float[4];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (2 * rng.nextGaussian());
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) Math.floor(3 * rng.nextDouble());
            }
            out.add(new Batch(4, 5, x, 1, y));
        }
        return out;
    }

    /**
     * Dropout masks come from the model's generator, whose state the snapshot carries; batch
     * norm's running statistics and the input standardization's statistics are snapshot buffers
     * (here inside a residual block too).
     */
    @Test
    void dropoutMasksAndBatchNormStatisticsContinueExactlyAfterARestore() throws Exception {
        ModelSpec spec = SpecParser
                .parse("""
                        id: dropout
                        topic: t
                        input_width: 5
                        task: {type: classification, classes: 3}
                        layers: [{type: standardize}, {type: pca_whiten, zca: true, refresh_every: 8}, {type: gaussian_noise, std: 0.1}, {type: dense, units: 16}, {type: batch_norm, momentum: 0.2}, {type: relu},
                                 {type: residual, layers: [{type: dense, units: 8}, {type: batch_norm}, {type: relu}, {type: dropout, p: 0.5},
                                                           {type: dense, units: 16}]},
                                 {type: dense, units: 3}]
                        optimizer: {type: adam, lr: 0.01}
                        batch_size: 4
                        seed: 7
                        """);
        List<Batch> data = batches(N);
        ModelState straight = ModelState.fresh(spec);
        for (Batch b : data) {
            straight.train(b);
        }
        ModelState first = ModelState.fresh(spec);
        for (Batch b : data.subList(0, K)) {
            first.train(b);
        }
        ModelState resumed = SnapshotCodec.decode(SnapshotCodec.encode(first, 1, Map.of()), spec);
        assertEquals(first.rng().state(), resumed.rng().state(), "the generator's state is in the snapshot");
        for (Batch b : data.subList(K, N)) {
            resumed.train(b);
        }
        assertArrayEquals(straight.network().params().toFloatVector(), resumed.network().params().toFloatVector());
        assertArrayEquals(straight.network().buffers().toFloatVector(), resumed.network().buffers().toFloatVector(),
                "running statistics");
        ModelState noMasks = ModelState.fresh(SpecParser.parse(SpecParser.toJson(spec).replace("\"p\":0.5", "\"p\":0.0")));
        for (Batch b : data) {
            noMasks.train(b);
        }
        assertNotEquals(Arrays.toString(noMasks.network().params().toFloatVector()),
                Arrays.toString(straight.network().params().toFloatVector()), "the masks did change training");
    }

    /**
     * A recurrent model's variational dropout masks (input and state, one per sequence) come from
     * the model's generator too: a restored LSTM (stacked, bidirectional, truncated) trains
     * bitwise as the uninterrupted one, on sequences of different lengths.
     */
    @Test
    void recurrentDropoutMasksContinueExactlyAfterARestore() throws Exception {
        String text = String.join("\n", "id: seq", "topic: t", "sequence: {length: 5, min_length: 1, features: 2}",
                "task: {type: classification, classes: 3}",
                "layers: [{type: lstm, hidden_size: 6, num_layers: 2, bidirectional: true, input_dropout: 0.3,"
                        + " recurrent_dropout: 0.3, truncate: 3, hh_init: orthogonal, forget_bias: 1.0}, {type: dense, units: 3}]",
                "optimizer: {type: adam, lr: 0.01}", "gradient_clipping: {max_norm: 1.0}", "batch_size: 4", "seed: 7");
        ModelSpec spec = SpecParser.parse(text);
        SplitMix64 rng = new SplitMix64(3);
        List<Batch> data = new ArrayList<>();
        for (int b = 0; b < N; b++) {
            float[] x = new float[4 * 11];
            float[] y = new float[4];
            for (int row = 0; row < 4; row++) {
                int length = 1 + (int) (5 * rng.nextDouble());
                for (int k = 0; k < 2 * length; k++) {
                    x[row * 11 + k] = (float) rng.nextGaussian();
                }
                x[row * 11 + 10] = length;
                y[row] = (float) Math.floor(3 * rng.nextDouble());
            }
            data.add(new Batch(4, 11, x, 1, y));
        }
        ModelState straight = ModelState.fresh(spec);
        data.forEach(straight::train);
        ModelState first = ModelState.fresh(spec);
        data.subList(0, K).forEach(first::train);
        ModelState resumed = SnapshotCodec.decode(SnapshotCodec.encode(first, 1, Map.of()), spec);
        data.subList(K, N).forEach(resumed::train);
        assertArrayEquals(straight.network().params().toFloatVector(), resumed.network().params().toFloatVector());
        assertEquals(straight.rng().state(), resumed.rng().state(), "the same number of draws");
        ModelState noMasks = ModelState.fresh(SpecParser.parse(text.replace("input_dropout: 0.3,", "input_dropout: 0,")
                .replace("recurrent_dropout: 0.3,", "recurrent_dropout: 0,")));
        data.forEach(noMasks::train);
        assertNotEquals(Arrays.toString(noMasks.network().params().toFloatVector()),
                Arrays.toString(straight.network().params().toFloatVector()), "the masks did change training");
    }

    /** With dropout, the prequential score is the model in prediction mode, before the step. */
    @Test
    void prequentialScoresUseInferenceMode() {
        ModelSpec spec = SpecParser.parse("""
                id: score
                topic: t
                input_width: 5
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 16}, {type: relu}, {type: dropout, p: 0.9}, {type: dense, units: 3}]
                optimizer: {type: sgd, lr: 0.1}
                batch_size: 4
                """);
        ModelState s = ModelState.fresh(spec);
        Batch b = batches(1).get(0);
        INDArray x = Nd4j.create(b.x(), new long[] {4, 5}, 'c');
        double expected = ModelFactory.loss(spec).evaluate(s.predict(x).output(), b.y(), null).lossSum();
        assertEquals(expected, s.train(b).lossSum(), 0.0);
        assertEquals(s.predict(x).output(), s.predict(x).output(), "prediction draws no masks");
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("combinations")
    void restoredTrainingIsBitwiseTheUninterruptedOne(String optimizer, String schedule) throws Exception {
        ModelSpec spec = spec(optimizer, schedule);
        List<Batch> data = batches(N);
        ModelState straight = ModelState.fresh(spec);
        List<Double> lrs = new ArrayList<>();
        for (Batch b : data) {
            lrs.add(straight.train(b).lr());
        }
        ModelState first = ModelState.fresh(spec);
        for (Batch b : data.subList(0, K)) {
            first.train(b);
        }
        ModelState resumed = SnapshotCodec.decode(SnapshotCodec.encode(first, 1, Map.of()), spec);
        for (int t = K; t < N; t++) {
            assertEquals(lrs.get(t), resumed.train(data.get(t)).lr(), 0.0, "learning rate of step " + (t + 1));
        }
        assertEquals(straight.steps(), resumed.steps());
        assertArrayEquals(straight.network().params().toFloatVector(), resumed.network().params().toFloatVector());
        assertEquals(straight.optimizer().stateNames(), resumed.optimizer().stateNames());
        for (String s : straight.optimizer().stateNames()) {
            assertArrayEquals(straight.optimizer().state(s), resumed.optimizer().state(s), s);
        }
        if (!schedule.contains("constant")) {
            assertNotEquals(1L, lrs.subList(K - 1, N).stream().distinct().count(), "the schedule must move after the restore");
        }
    }

    /**
     * The prequential window after restores at several points (before it fills, exactly full,
     * after it wrapped around several times, and a crash loop that restores after every batch)
     * holds bitwise the batches of an uninterrupted run, in order, so its loss, accuracy and
     * batch count are bitwise the same at every later step. Before the fix a restore folded the
     * window into one entry, so "the last 7 batches" then spanned 7 + k of them.
     */
    @Test
    void prequentialWindowAfterRestoresIsBitwiseTheUninterruptedOne() throws Exception {
        ModelSpec spec = spec("{type: adam, lr: 0.01}", "{type: constant}", 7);
        assertEquals(7, ModelState.fresh(spec).window().size(), "the spec's window");
        int n = 40;
        List<Batch> data = batches(n);
        ModelState straight = ModelState.fresh(spec);
        List<List<PrequentialWindow.Entry>> windows = new ArrayList<>();
        List<double[]> figures = new ArrayList<>();
        for (Batch b : data) {
            straight.train(b);
            windows.add(straight.window().entries());
            figures.add(new double[] {straight.window().loss(), straight.window().accuracy(), straight.window().batches()});
        }
        Set<Integer> crashAfter = new TreeSet<>(List.of(3, 7, 10, 23));
        for (Set<Integer> plan : List.of(crashAfter, Set.copyOf(IntStream.range(1, n).boxed().toList()))) {
            ModelState s = ModelState.fresh(spec);
            for (int t = 0; t < n; t++) {
                s.train(data.get(t));
                if (plan.contains(t + 1)) {
                    s = SnapshotCodec.decode(SnapshotCodec.encode(s, t + 1, Map.of()), spec);
                }
                String at = "after batch " + (t + 1)
                        + (plan.size() > 4 ? " (restored after every batch)" : " (restored after " + plan + ")");
                assertEquals(windows.get(t), s.window().entries(), "window entries " + at);
                assertEquals(Double.doubleToRawLongBits(figures.get(t)[0]), Double.doubleToRawLongBits(s.window().loss()),
                        "loss " + at);
                assertEquals(Double.doubleToRawLongBits(figures.get(t)[1]), Double.doubleToRawLongBits(s.window().accuracy()),
                        "accuracy " + at);
                assertEquals((int) figures.get(t)[2], s.window().batches(), "batches " + at);
            }
        }
    }

    /** A window lowered in the spec keeps the newest batches, as if the smaller window had slid over them. */
    @Test
    void windowShrunkInTheSpecKeepsTheNewestBatches() throws Exception {
        ModelSpec spec = spec("{type: sgd, lr: 0.05}", "{type: constant}");
        ModelState s = ModelState.fresh(spec);
        for (Batch b : batches(10)) {
            s.train(b);
        }
        ModelSpec smaller = spec("{type: sgd, lr: 0.05}", "{type: constant}", 4);
        ModelState restored = SnapshotCodec.decode(SnapshotCodec.encode(s, 1, Map.of()), smaller);
        assertEquals(s.window().entries().subList(6, 10), restored.window().entries());
    }
}
