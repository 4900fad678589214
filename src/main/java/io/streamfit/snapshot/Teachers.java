package io.streamfit.snapshot;

import io.streamfit.nn.Distillation;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelFactory;
import io.streamfit.train.ModelState;
import io.streamfit.train.Teacher;
import java.util.Map;

/** Loads a distillation teacher from a snapshot, decoded with the snapshot's own spec. */
public final class Teachers {
    private Teachers() {}

    /**
     * The teacher in {@code snapshot} for {@code student}'s distillation.
     *
     * @throws SnapshotFormatException if the file is not a snapshot, or its model cannot teach
     *     this student (another input width, not the same classes); the message names the reason
     */
    public static Teacher load(byte[] snapshot, ModelSpec student) throws SnapshotFormatException {
        Map<String, String> meta = SnapshotCodec.metadata(snapshot);
        ModelSpec spec = SnapshotCodec.spec(meta);
        ModelSpec.DistillationSpec d = student.distillation();
        if (spec.task().type() != ModelSpec.TaskType.CLASSIFICATION || spec.task().width() != student.task().width()
                || spec.inputWidth() != student.inputWidth()) {
            throw new SnapshotFormatException("the teacher (" + d.teacherSource() + ", model " + spec.id() + ") takes "
                    + spec.inputWidth() + " inputs to " + spec.task().width() + " " + spec.task().type().name().toLowerCase()
                    + " outputs, the student " + student.inputWidth() + " inputs to " + student.task().width() + " classes");
        }
        ModelState model = SnapshotCodec.decode(snapshot, spec);
        long version = meta.containsKey("version") ? Long.parseLong(meta.get("version")) : 0;
        return new Teacher(model, new Distillation(ModelFactory.loss(student), d.alpha(), d.temperature()), d.teacherSource(),
                version);
    }
}
