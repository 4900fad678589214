package io.streamfit.train;

import io.streamfit.nn.Distillation;
import io.streamfit.nn.Loss;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A frozen model whose outputs are a student's soft targets (the spec's {@code distillation}):
 * it predicts, in inference mode, on exactly the rows the student trains on (replayed and
 * augmented ones included), and never learns. {@code version} is the teacher snapshot's
 * (its {@code source} says which model or file), for the logs.
 */
public final class Teacher {
    private final ModelState model;
    private final Distillation loss;
    private final String source;
    private final long version;

    public Teacher(ModelState model, Distillation loss, String source, long version) {
        this.model = model;
        this.loss = loss;
        this.source = source;
        this.version = version;
    }

    /** The teacher's logits for {@code input}, row-major. */
    double[] logits(INDArray input) {
        return Loss.values(model.predict(input).output());
    }

    Distillation loss() {
        return loss;
    }

    public String source() {
        return source;
    }

    public long version() {
        return version;
    }

    public ModelState model() {
        return model;
    }
}
