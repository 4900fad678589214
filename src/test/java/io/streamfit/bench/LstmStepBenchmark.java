package io.streamfit.bench;

import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import io.streamfit.train.NativeThreads;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * An LSTM model's training step and forward pass, one BLAS thread: sequences of 32 steps of
 * {@code features} values, {@code nn.LSTM(features, 128)}, its last state into
 * {@code nn.Linear(128, 10)}, cross-entropy, SGD lr 0.01, batch 64, float32 (the layer computes in
 * float64 inside). {@code bench/pytorch_lstm_step.py} is the same model in PyTorch;
 * {@code bench/lstm_step.sh} runs both back to back and prints the ratio. Examples/s = ops/s x 64.
 *
 * <pre>./mvnw -Pbench test-compile exec:exec -Djmh.args="LstmStepBenchmark"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class LstmStepBenchmark {
    static final int BATCH = 64, STEPS = 32, HIDDEN = 128;

    @Param("128")
    public int features;

    private ModelState model;
    private Batch data;
    private INDArray x;

    @Setup(Level.Trial)
    public void setUp() {
        NativeThreads.configure(1);
        model = ModelState.fresh(SpecParser.parse(String.join("\n", "id: bench", "topic: bench",
                "sequence: {length: " + STEPS + ", features: " + features + "}", "task: {type: classification, classes: 10}",
                "layers: [{type: lstm, hidden_size: " + HIDDEN + "}, {type: dense, units: 10}]",
                "optimizer: {type: sgd, lr: 0.01}", "batch_size: " + BATCH, "seed: 1")));
        int width = STEPS * features + 1;
        SplitMix64 rng = new SplitMix64(2);
        float[] values = new float[BATCH * width];
        float[] y = new float[BATCH];
        for (int row = 0; row < BATCH; row++) {
            for (int k = 0; k < width - 1; k++) {
                values[row * width + k] = (float) rng.nextGaussian();
            }
            values[row * width + width - 1] = STEPS;
            y[row] = (float) Math.floorMod(rng.nextLong(), 10L);
        }
        data = new Batch(BATCH, width, values, 1, y);
        x = Nd4j.create(values, new long[] {BATCH, width}, 'c');
    }

    /** Prequential score, forward, backward and the SGD update. */
    @Benchmark
    public double train() {
        return model.train(data).lossSum();
    }

    /** The forward pass alone, as prediction runs it. */
    @Benchmark
    public INDArray forward() {
        return model.network().predict(x);
    }
}
