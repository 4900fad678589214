package io.streamfit.bench;

import io.streamfit.data.Batch;
import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
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
 * One full training step (prequential score, forward, backward, global-norm clipping, optimizer
 * update) of the 784-256-256-10 ReLU MLP, float32, one BLAS thread: the unit of work of the
 * service. Examples/s = ops/s x batch. {@code optimizer} picks the update rule (hyper-parameters
 * as in {@code bench/pytorch_step.py}).
 *
 * <pre>./mvnw -Pbench test-compile exec:exec -Djmh.args="TrainingStepBenchmark -p optimizer=adam"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class TrainingStepBenchmark {
    static final String MLP = """
            id: bench
            topic: bench
            input_width: 784
            task: {type: classification, classes: 10}
            layers:
              - {type: dense, units: 256}
              - {type: relu}
              - {type: dense, units: 256}
              - {type: relu}
              - {type: dense, units: 10}
            optimizer: %s
            gradient_clipping: {max_norm: 5.0}
            batch_size: %d
            seed: 1
            """;

    @Param({"1", "16", "64", "256"})
    public int batch;

    @Param({"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "amsgrad", "adamw", "nadam", "adamax"})
    public String optimizer;

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
        NativeThreads.configure(1);
        ModelSpec spec = SpecParser.parse(MLP.formatted(optimizerSpec(optimizer), batch));
        model = ModelState.fresh(spec);
        SplitMix64 rng = new SplitMix64(2);
        float[] x = new float[batch * 784];
        float[] y = new float[batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        for (int i = 0; i < batch; i++) {
            y[i] = (float) Math.floorMod(rng.nextLong(), 10L);
        }
        data = new Batch(batch, 784, x, 1, y);
    }

    @Benchmark
    public double step() {
        return model.train(data).lossSum();
    }
}
