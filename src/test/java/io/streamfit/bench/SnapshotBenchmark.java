package io.streamfit.bench;

import io.streamfit.snapshot.Position;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import io.streamfit.train.NativeThreads;
import java.util.Map;
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
 * The snapshot's share of the model's life cycle, Adam state included: {@code encode} (what the
 * training thread spends on a snapshot before handing it to Kafka) and {@code decode} (a restore:
 * parse, checksum, copy into a new model), for the benchmark's 784-256-256-10 MLP (269,322
 * parameters) and a 784-1024-256-10 MLP (1,068,810 parameters, "1m").
 *
 * <p>Measured on a 2-core AMD EPYC under a load average of 12-15 (fastest of 5 one-second
 * iterations, old and new code back to back): encode 269k 7.2 ms before the one-pass writer,
 * 3.0 ms after; 1m 21.4 ms, 9.5 ms. Decode 1m 21-57 ms (unchanged code).
 *
 * <pre>./mvnw -o -B -Pbench test-compile exec:exec -Djmh.args="SnapshotBenchmark"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class SnapshotBenchmark {
    /** {@code 269k}: 784-256-256-10; {@code 1m}: 784-1024-256-10. */
    @Param({"269k", "1m"})
    public String model;

    private ModelSpec spec;
    private ModelState state;
    private byte[] snapshot;
    private final Map<Integer, Position> positions = Map.of(0, new Position(123_456, 3));

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        NativeThreads.configure(1);
        // TrainingStepBenchmark's MLP, Adam, batch 64; "1m" widens its first hidden layer to 1024.
        String mlp = TrainingStepBenchmark.MLP.formatted(TrainingStepBenchmark.optimizerSpec("adam"), 64);
        spec = SpecParser.parse(model.equals("1m") ? mlp.replaceFirst("units: 256", "units: 1024") : mlp);
        state = ModelState.fresh(spec);
        snapshot = SnapshotCodec.encode(state, 7, positions, Map.of(0, 123_460L));
    }

    @Benchmark
    public byte[] encode() {
        return SnapshotCodec.encode(state, 7, positions, Map.of(0, 123_460L));
    }

    @Benchmark
    public ModelState decode() throws Exception {
        return SnapshotCodec.decode(snapshot, spec);
    }
}
