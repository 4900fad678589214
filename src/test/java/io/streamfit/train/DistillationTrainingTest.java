package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.Loss;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.snapshot.Teachers;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A student learning from a teacher's snapshot: with alpha 1 it is the student alone, bitwise;
 * with alpha 0 it comes to predict what the teacher predicts; its prequential score stays its own
 * loss on the labels; a teacher that cannot teach it, or a spec that cannot distill, is refused
 * with the reason.
 */
class DistillationTrainingTest {
    private static ModelSpec student(String distillation) {
        return DriftWatchTest.spec("{type: constant}", distillation);
    }

    /** A teacher: a wider model trained on the same blobs, as a snapshot. */
    private static byte[] teacherSnapshot() {
        ModelSpec spec = SpecParser.parse("""
                id: teacher
                topic: t
                input_width: 4
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 64}, {type: tanh}, {type: dense, units: 3}]
                optimizer: {type: adam, lr: 0.01}
                batch_size: 32
                seed: 9
                """);
        ModelState t = ModelState.fresh(spec);
        for (Batch b : DriftWatchTest.stream(150, 7)) {
            t.train(b);
        }
        return SnapshotCodec.encode(t, 3, Map.of(), Map.of());
    }

    @Test
    void alphaOneIsTheStudentAloneAndTheScoreIsAlwaysTheStudentsOwn() throws Exception {
        byte[] teacherBytes = teacherSnapshot();
        ModelSpec spec = student("distillation: {teacher: {file: t.safetensors}, alpha: 1.0}\n");
        Teacher teacher = Teachers.load(teacherBytes, spec);
        assertEquals(3, teacher.version());
        ModelState distilled = ModelState.fresh(spec);
        ModelState alone = ModelState.fresh(student(""));
        for (Batch b : DriftWatchTest.stream(40, 8)) {
            StepResult x = distilled.train(b, teacher);
            StepResult y = alone.train(b);
            assertEquals(y.lossSum(), x.lossSum(), 0, "the prequential score: the labels' loss");
        }
        assertArrayEquals(alone.network().params().data().asFloat(), distilled.network().params().data().asFloat());
        assertThrows(IllegalStateException.class, () -> distilled.train(DriftWatchTest.stream(1, 1).get(0)),
                "a distilling model without its teacher");
    }

    @Test
    void withAlphaZeroTheStudentComesToPredictWhatTheTeacherPredicts() throws Exception {
        byte[] teacherBytes = teacherSnapshot();
        ModelSpec spec = student("distillation: {teacher: {file: t.safetensors}, alpha: 0.0, temperature: 2.0}\n");
        Teacher teacher = Teachers.load(teacherBytes, spec);
        ModelState s = ModelState.fresh(spec);
        List<Batch> batches = DriftWatchTest.stream(300, 10);
        double before = disagreement(s, teacher, batches.get(299));
        for (int i = 0; i < 299; i++) {
            s.train(batches.get(i), teacher);
        }
        double after = disagreement(s, teacher, batches.get(299));
        assertTrue(after < before / 5, "mean |p_student - p_teacher| went from " + before + " to " + after);
        // The snapshot holds the student only, and goes on bitwise with the same teacher.
        ModelState restored = SnapshotCodec.decode(SnapshotCodec.encode(s, 1, Map.of(), Map.of()), spec);
        for (int i = 0; i < 20; i++) {
            s.train(batches.get(i), teacher);
            restored.train(batches.get(i), teacher);
        }
        assertArrayEquals(s.network().params().data().asFloat(), restored.network().params().data().asFloat());
    }

    /** Mean absolute difference of the class probabilities of student and teacher on a batch. */
    private static double disagreement(ModelState s, Teacher t, Batch b) {
        var x = Nd4j.create(b.x(), new long[] {b.size(), b.width()}, 'c');
        double[] p = Loss.values(s.predict(x).probabilities());
        double[] q = Loss.values(t.model().predict(x).probabilities());
        double d = 0;
        for (int i = 0; i < p.length; i++) {
            d += Math.abs(p[i] - q[i]);
        }
        return d / p.length;
    }

    @Test
    void aTeacherThatCannotTeachAndASpecThatCannotDistillAreRefused() {
        ModelSpec wide = SpecParser.parse("""
                id: student
                topic: t
                input_width: 5
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 3}]
                optimizer: {type: adam}
                batch_size: 8
                distillation: {teacher: {model: teacher}}
                """);
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class, () -> Teachers.load(teacherSnapshot(), wide));
        assertEquals("the teacher (model teacher, model teacher) takes 4 inputs to 3 classification outputs, the student 5"
                + " inputs to 3 classes", e.getMessage());
        List<String> errors = assertThrows(SpecException.class, () -> SpecParser.parse("""
                id: student
                topic: t
                input_width: 4
                task: {type: regression, outputs: 3}
                layers: [{type: dense, units: 3}]
                optimizer: {type: adam}
                batch_size: 8
                augmentation: {mixup: {alpha: 0.2}}
                distillation: {teacher: {model: student, file: x}, temperature: 0}
                """)).errors();
        assertTrue(errors.contains("distillation.teacher must set exactly one of model (a model id whose latest snapshot"
                + " teaches) or file (a .safetensors snapshot)"), errors.toString());
        assertTrue(errors.contains("distillation.teacher.model names this model itself: a model cannot teach itself"),
                errors.toString());
        assertTrue(errors.stream().anyMatch(m -> m.startsWith("distillation.temperature must be > 0")), errors.toString());
        assertTrue(errors.contains("distillation needs a classification task (soft targets are class probabilities), got"
                + " regression"), errors.toString());
    }
}
