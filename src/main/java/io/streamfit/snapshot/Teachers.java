package io.streamfit.snapshot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamfit.nn.Distillation;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelFactory;
import io.streamfit.train.ModelState;
import io.streamfit.train.Teacher;
import java.util.List;
import java.util.Map;

/**
 * Loads a distillation teacher from a snapshot, decoded with the snapshot's own spec less what
 * only training needs (its replay reservoir, drift detection, its own teacher): the teacher only
 * predicts.
 */
public final class Teachers {
    private Teachers() {}

    /** {@code spec} without the sections that only matter to a model that trains. */
    private static ModelSpec forInference(ModelSpec spec) {
        ObjectNode source = spec.source().deepCopy();
        source.remove(List.of("replay", "drift", "distillation"));
        return SpecParser.parse(source.toString());
    }

    /**
     * The teacher in {@code snapshot} for {@code student}'s distillation.
     *
     * @throws SnapshotFormatException if the file is not a snapshot, or its model cannot teach
     *     this student (another input width, not the same classes); the message names the reason
     */
    public static Teacher load(byte[] snapshot, ModelSpec student) throws SnapshotFormatException {
        try {
            return loadChecked(snapshot, student);
        } catch (RuntimeException e) { // only its kind: the message might quote the file
            throw new SnapshotFormatException("the teacher's snapshot is malformed (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static Teacher loadChecked(byte[] snapshot, ModelSpec student) throws SnapshotFormatException {
        Map<String, String> meta = SnapshotCodec.metadata(snapshot);
        ModelSpec spec = forInference(SnapshotCodec.spec(meta));
        ModelSpec.DistillationSpec d = student.distillation();
        if (spec.task().type() != ModelSpec.TaskType.CLASSIFICATION || spec.task().width() != student.task().width()
                || spec.inputWidth() != student.inputWidth()) {
            throw new SnapshotFormatException("the teacher (" + d.teacherSource() + ", model " + spec.id() + ") takes "
                    + spec.inputWidth() + " inputs to " + spec.task().width() + " " + spec.task().type().name().toLowerCase()
                    + " outputs, the student " + student.inputWidth() + " inputs to " + student.task().width() + " classes");
        }
        ModelState model = SnapshotCodec.decode(snapshot, spec);
        long version = meta.containsKey("version") ? Long.parseLong(meta.get("version")) : 0; // a bad one: caught above
        return new Teacher(model, new Distillation(ModelFactory.loss(student), d.alpha(), d.temperature()), d.teacherSource(),
                version);
    }
}
