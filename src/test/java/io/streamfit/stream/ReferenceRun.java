package io.streamfit.stream;

import io.streamfit.data.Batcher;
import io.streamfit.data.RecordDecoder;
import io.streamfit.demo.SyntheticProblem;
import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchRun;
import io.streamfit.train.Teacher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The uninterrupted run that fault tests compare against: the records of one partition, in memory. */
final class ReferenceRun {
    private ReferenceRun() {}

    /**
     * The model the process-level fault tests train, reading topic {@code <id>.examples}: small,
     * with Adam and dropout (so the optimizer state and the generator must survive too), and a
     * snapshot after every step, so most of its time is spent in transactions.
     */
    static String spec(String id, int batchSize, long seed) {
        return """
                id: %s
                topic: %s.examples
                input_width: 8
                task: {type: classification, classes: 4}
                layers: [{type: dense, units: 32}, {type: tanh}, {type: dropout, p: 0.2}, {type: dense, units: 4}]
                optimizer: {type: adam, lr: 0.01}
                batch_size: %d
                seed: %d
                snapshot: {every_steps: 1, every_seconds: 0.5}
                """.formatted(id, id, batchSize, seed);
    }

    /** {@link #records}, with the labels permuted (y to y + 1 mod 4) from record {@code changeAt} on: an abrupt drift. */
    static List<byte[]> driftingRecords(int count, long problemSeed, int changeAt) {
        SyntheticProblem p = new SyntheticProblem(8, 4, problemSeed, 0);
        List<byte[]> records = new ArrayList<>();
        float[] x = new float[3 * 8];
        int[] y = new int[3];
        for (int i = 0; i < count; i++) {
            p.next(3, x, y);
            if (i >= changeAt) {
                for (int e = 0; e < 3; e++) {
                    y[e] = (y[e] + 1) % 4;
                }
            }
            records.add(RecordDecoder.encodeBinary(3, 8, x, y, null, 1));
        }
        return records;
    }

    /**
     * The recurrent model the crash test trains ({@link #sequenceRecords}): a stacked bidirectional
     * LSTM with variational dropout on inputs and state, truncated backpropagation, orthogonal
     * recurrent weights and a forget-gate bias, clipped Adam, a snapshot after every step.
     */
    static String sequenceSpec(String id, int batchSize, long seed) {
        return """
                id: %s
                topic: %s.examples
                sequence: {length: 6, min_length: 2, features: 3}
                task: {type: classification, classes: 4}
                layers:
                  - {type: lstm, hidden_size: 8, num_layers: 2, bidirectional: true, input_dropout: 0.2, recurrent_dropout: 0.2,
                     truncate: 4, hh_init: orthogonal, forget_bias: 1.0}
                  - {type: dense, units: 4}
                optimizer: {type: adam, lr: 0.01}
                gradient_clipping: {max_norm: 1.0}
                batch_size: %d
                seed: %d
                snapshot: {every_steps: 1, every_seconds: 0.5}
                """.formatted(id, id, batchSize, seed);
    }

    /**
     * {@code count} JSON records of 3 sequences each (2 to 6 steps of 3 values) for
     * {@link #sequenceSpec} models; the label counts the steps whose first value is positive, mod 4.
     */
    static List<byte[]> sequenceRecords(int count, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder x = new StringBuilder("{\"x\": [");
            StringBuilder y = new StringBuilder("\"y\": [");
            for (int e = 0; e < 3; e++) {
                int steps = 2 + (int) (5 * rng.nextDouble()), positive = 0;
                x.append(e > 0 ? ", [" : "[");
                for (int t = 0; t < steps; t++) {
                    x.append(t > 0 ? ", [" : "[");
                    for (int f = 0; f < 3; f++) {
                        double v = Math.round(rng.nextGaussian() * 1000) / 1000.0;
                        positive += f == 0 && v > 0 ? 1 : 0;
                        x.append(f > 0 ? ", " : "").append(v);
                    }
                    x.append(']');
                }
                x.append(']');
                y.append(e > 0 ? ", " : "").append(positive % 4);
            }
            records.add((x + "], " + y + "]}").getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    /** {@code count} binary records of 3 examples each for {@link #spec} models, from a synthetic problem. */
    static List<byte[]> records(int count, long problemSeed) {
        return driftingRecords(count, problemSeed, Integer.MAX_VALUE);
    }

    /** A fresh model trained on {@code records} as offsets 0, 1, 2, ... of one partition, as the service batches them. */
    static ModelState over(ModelSpec spec, List<byte[]> records) throws Exception {
        return over(spec, records, null);
    }

    /** {@link #over(ModelSpec, List)} for a model that distills from {@code teacher}. */
    static ModelState over(ModelSpec spec, List<byte[]> records, Teacher teacher) throws Exception {
        ModelState state = ModelState.fresh(spec);
        batches(spec, records).forEach(b -> state.train(b, teacher));
        return state;
    }

    /** {@link #over}, for a spec that searches: the whole search, trained on the same batches. */
    static SearchRun search(ModelSpec spec, List<byte[]> records) throws Exception {
        SearchRun run = new SearchRun(spec.search());
        batches(spec, records).forEach(run::train);
        return run;
    }

    /** The batches the service makes of {@code records}, offsets 0, 1, 2, ... of one partition. */
    private static List<Batch> batches(ModelSpec spec, List<byte[]> records) throws Exception {
        RecordDecoder decoder = new RecordDecoder(spec);
        Batcher batcher = new Batcher(spec.batchSize());
        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            batcher.offer(0, i, decoder.decode(records.get(i)));
            Batch b;
            while ((b = batcher.next()) != null) {
                batches.add(b);
            }
        }
        return batches;
    }
}
