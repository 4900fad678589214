package io.streamfit.bench;

import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.BlasLibrary;
import io.streamfit.train.ModelState;
import io.streamfit.train.NativeThreads;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full training step (prequential score, forward, backward, global-norm clipping with
 * {@code max_norm 5.0}, optimizer update) of the 784-256-256-10 MLP, float32, one BLAS thread: the
 * unit of work of the service, with the same spec as the end-to-end run. Examples/s = ops/s x
 * batch.
 *
 * <ul>
 *   <li>{@code arch}: {@code plain} (dense, relu, dense, relu, dense) or {@code layernorm} (dense,
 *       layer_norm, relu for each hidden layer: {@code nn.LayerNorm} after each hidden
 *       {@code nn.Linear}, as {@code bench/pytorch_step.py --arch layernorm});
 *   <li>{@code optimizer}: the update rule ({@code adam} is Adam lr 1e-3; hyper-parameters as in
 *       {@code bench/pytorch_step.py}).
 * </ul>
 *
 * <p>Noise: on a shared 2-core host one fork's iterations vary by tens of percent, so the defaults
 * take 3 forks of 8 one-second iterations each. The bench command reports the <em>median</em> of
 * all iterations, computed from JMH's raw data ({@code -rf json}: {@code primaryMetric.rawData}),
 * rather than JMH's mean and error, which a single disturbed iteration moves.
 *
 * <pre>./mvnw -Pbench test-compile exec:exec -Djmh.args="TrainingStepBenchmark -p optimizer=adam -p arch=plain,layernorm"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 3, jvmArgsAppend = {"-Xmx2g"})
public class TrainingStepBenchmark {
    static final String MLP = """
            id: bench
            topic: bench
            input_width: 784
            task: {type: classification, classes: 10}
            layers: %s
            optimizer: %s
            gradient_clipping: {max_norm: 5.0}
            batch_size: %d
            seed: 1
            """;

    @Param({"1", "16", "64", "256"})
    public int batch;

    /** {@code plain} or {@code layernorm}; see the class comment. */
    @Param("plain")
    public String arch;

    /**
     * Which OpenBLAS runs the GEMMs ({@code io.streamfit.train.BlasLibrary}): {@code bundled}
     * (ND4J's 0.3.19) or {@code system} (Debian's). JMH forks a JVM per parameter combination, so
     * the choice is made before ND4J loads in that fork.
     */
    @Param("bundled")
    public String blas;

    @Param({"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "amsgrad", "adamw", "nadam", "adamax"})
    public String optimizer;

    static String layersSpec(String arch) {
        return switch (arch) {
            case "plain" -> "[{type: dense, units: 256}, {type: relu}, {type: dense, units: 256}, {type: relu},"
                    + " {type: dense, units: 10}]";
            case "layernorm" -> "[{type: dense, units: 256}, {type: layer_norm}, {type: relu},"
                    + " {type: dense, units: 256}, {type: layer_norm}, {type: relu}, {type: dense, units: 10}]";
            default -> throw new IllegalArgumentException("arch must be plain or layernorm, got " + arch);
        };
    }

    static String optimizerSpec(String name) {
        return switch (name) {
            case "sgd" -> "{type: sgd, lr: 0.01}";
            case "momentum" -> "{type: sgd, lr: 0.01, momentum: 0.9}";
            case "nesterov" -> "{type: sgd, lr: 0.01, momentum: 0.9, nesterov: true}";
            case "adagrad" -> "{type: adagrad, lr: 0.01}";
            case "rmsprop" -> "{type: rmsprop, lr: 0.001}";
            case "adadelta" -> "{type: adadelta, lr: 1.0}";
            case "adam" -> "{type: adam, lr: 0.001}";
            case "amsgrad" -> "{type: adam, lr: 0.001, amsgrad: true}";
            case "adamw" -> "{type: adamw, lr: 0.001}";
            case "nadam" -> "{type: nadam, lr: 0.002}";
            case "adamax" -> "{type: adamax, lr: 0.002}";
            default -> throw new IllegalArgumentException(name);
        };
    }

    private ModelState model;
    private Batch data;

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty(BlasLibrary.PROPERTY, blas);
        BlasLibrary.select();
        NativeThreads.configure(1);
        String loaded = BlasLibrary.loaded();
        if (blas.equals("system") == loaded.startsWith("OpenBLAS 0.3.19")) {
            throw new IllegalStateException("blas=" + blas + " but the process mapped " + loaded);
        }
        ModelSpec spec = SpecParser.parse(MLP.formatted(layersSpec(arch), optimizerSpec(optimizer), batch));
        model = ModelState.fresh(spec);
        data = randomBatch(batch);
    }

    /** A fixed pseudo-random batch: pixels in [0, 1), labels in 0..9. */
    static Batch randomBatch(int batch) {
        SplitMix64 rng = new SplitMix64(2);
        float[] x = new float[batch * 784];
        float[] y = new float[batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        for (int i = 0; i < batch; i++) {
            y[i] = (float) Math.floorMod(rng.nextLong(), 10L);
        }
        return new Batch(batch, 784, x, 1, y);
    }

    @Benchmark
    public double step() {
        return model.train(data).lossSum();
    }
}
