package io.streamfit.bench;

import io.streamfit.data.Batcher;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.spec.SearchSpecs;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import io.streamfit.train.NativeThreads;
import io.streamfit.train.SearchRun;
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
 * What a search's K trials cost per batch (issue 16, demand 5): the service decodes each record
 * once and trains the batch on every trial ({@link SearchRun#train}), so K trials should cost K
 * training steps plus one decode, not K decodes as K consumers (one per trial) would. One
 * invocation is one batch: 32 Fashion-MNIST records as JSON (one image each), decoded by
 * {@link RecordDecoder}, batched by {@link Batcher}, trained on a 784-256-10 MLP with Adam.
 *
 * <ul>
 *   <li>{@code decode}: the 32 records decoded and batched, no step;
 *   <li>{@code step}: one trial's training step on an assembled batch;
 *   <li>{@code search}: decode once, then {@link SearchRun#train} on {@code trials} trials;
 *   <li>{@code searchSteps}: {@link SearchRun#train} on {@code trials} trials, on an assembled
 *       batch: K models' steps without a decode (K models' parameters and optimizer state pass
 *       through the caches where one model's stay);
 *   <li>{@code decodeEach}: decode once per trial, then the same steps, as one consumer per trial would.
 * </ul>
 *
 * Time per batch; {@code bench/run.sh} reports {@code search / (trials x step + decode)}, which
 * should be close to 1, and {@code decodeEach / search}.
 *
 * <pre>./mvnw -Pbench test-compile exec:exec -Djmh.args="SearchStepBenchmark"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx2g"})
public class SearchStepBenchmark {
    static final int BATCH = 32;
    static final String SPEC = """
            id: bench
            topic: bench
            input_width: 784
            task: {type: classification, classes: 10}
            layers: [{type: dense, units: 256}, {type: relu}, {type: dense, units: 10}]
            optimizer: {type: adam, lr: %s}
            batch_size: 32
            seed: 1
            """;

    /** Trials trained side by side. */
    @Param({"1", "4", "8"})
    public int trials;

    private byte[][] records;
    private int next;
    private long offset;
    private RecordDecoder decoder;
    private Batcher batcher;
    private SearchRun search;
    private SearchRun steps;
    private ModelState single;
    private Batch assembled;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        NativeThreads.configure(1);
        int[][] images = new int[RecordDecoderBenchmark.DISTINCT_IMAGES][];
        int[] labels = new int[images.length];
        RecordDecoderBenchmark.images(images, labels);
        records = new byte[images.length][];
        for (int i = 0; i < images.length; i++) {
            records[i] = RecordDecoderBenchmark.jsonRecord(images[i], labels[i]);
        }
        // A random search whose budget outlasts the benchmark: every trial trains every batch.
        String searched = SPEC.formatted("{log_uniform: [1.0e-4, 1.0e-2]}") + "search: {strategy: random, trials: " + trials
                + ", budget: {examples: 1000000000000}}\n";
        search = new SearchRun(SearchSpecs.plan(SpecParser.read(searched)));
        steps = new SearchRun(SearchSpecs.plan(SpecParser.read(searched)));
        decoder = new RecordDecoder(search.lead().spec());
        batcher = new Batcher(BATCH);
        single = ModelState.fresh(SpecParser.parse(SPEC.formatted("0.001")));
        assembled = decodeBatch();
    }

    /** The next 32 records decoded and batched. */
    private Batch decodeBatch() throws RejectedRecordException {
        Batch b = null;
        while (b == null) {
            batcher.offer(0, offset++, decoder.decode(records[next]));
            next = next + 1 == records.length ? 0 : next + 1;
            b = batcher.next();
        }
        return b;
    }

    @Benchmark
    public Batch decode() throws RejectedRecordException {
        return decodeBatch();
    }

    @Benchmark
    public double step() {
        return single.train(assembled).lossSum();
    }

    @Benchmark
    public double search() throws RejectedRecordException {
        return search.train(decodeBatch()).lossSum();
    }

    /** The trials' steps alone, on an assembled batch: what K models cost beside one, without decoding. */
    @Benchmark
    public double searchSteps() {
        return steps.train(assembled).lossSum();
    }

    @Benchmark
    public double decodeEach() throws RejectedRecordException {
        Batch b = null;
        for (int k = 0; k < trials; k++) {
            b = decodeBatch();
        }
        return search.train(b).lossSum();
    }
}
