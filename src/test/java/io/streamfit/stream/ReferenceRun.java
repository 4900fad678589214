package io.streamfit.stream;

import io.streamfit.data.Batch;
import io.streamfit.data.Batcher;
import io.streamfit.data.RecordDecoder;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelState;
import java.util.List;

/** The uninterrupted run that fault tests compare against: the records of one partition, in memory. */
final class ReferenceRun {
    private ReferenceRun() {}

    /** A fresh model trained on {@code records} as offsets 0, 1, 2, ... of one partition, as the service batches them. */
    static ModelState over(ModelSpec spec, List<byte[]> records) throws Exception {
        ModelState state = ModelState.fresh(spec);
        RecordDecoder decoder = new RecordDecoder(spec);
        Batcher batcher = new Batcher(spec.batchSize());
        for (int i = 0; i < records.size(); i++) {
            batcher.offer(0, i, decoder.decode(records.get(i)));
            Batch b;
            while ((b = batcher.next()) != null) {
                state.train(b);
            }
        }
        return state;
    }
}
