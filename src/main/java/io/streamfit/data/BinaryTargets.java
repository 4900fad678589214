package io.streamfit.data;

import io.streamfit.data.RejectedRecordException.Reason;
import io.streamfit.spec.ModelSpec;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;

/**
 * The {@code y} of a binary record, the same in every format version: label kind 0 is one int32
 * class index per example, kind 1 is {@code m} float32 targets per example. Refusals name the
 * example or the flat index as the row formats always have.
 */
final class BinaryTargets {
    private final ModelSpec.TaskType task;
    private final int targetWidth;
    /** Floats stored per example: 1 for a class index, else {@code targetWidth}. */
    final int stored;

    BinaryTargets(ModelSpec.TaskType task, int targetWidth) {
        this.task = task;
        this.targetWidth = targetWidth;
        this.stored = task == ModelSpec.TaskType.CLASSIFICATION ? 1 : targetWidth;
    }

    /** Refuses a header's label kind other than 0 and 1. */
    static void checkKind(int kind) throws RejectedRecordException {
        if (kind != 0 && kind != 1) {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "binary label kind must be 0 or 1, got " + kind);
        }
    }

    /** Refuses a label kind or a number of targets per example {@code m} that does not fit the task. */
    void checkFits(int kind, long m) throws RejectedRecordException {
        boolean classes = task == ModelSpec.TaskType.CLASSIFICATION;
        if (classes != (kind == 0) || m != stored) {
            throw new RejectedRecordException(Reason.BAD_LABEL, "label kind " + kind + " with " + m
                    + " targets does not fit the task (" + task.name().toLowerCase() + ", expects "
                    + (classes ? "kind 0, m=1" : "kind 1, m=" + targetWidth) + ")");
        }
    }

    /**
     * The {@code count} examples' targets at byte {@code at} of {@code b} (little-endian); class
     * indices are checked to be in range, other targets are left to {@link RecordChecks#checkTargets}.
     */
    float[] read(ByteBuffer b, int at, int count) throws RejectedRecordException {
        b.position(at);
        float[] y = new float[count * stored];
        if (task == ModelSpec.TaskType.CLASSIFICATION) {
            IntBuffer ib = b.asIntBuffer();
            for (int i = 0; i < count; i++) {
                y[i] = RecordChecks.checkClass(ib.get(i), i, targetWidth);
            }
        } else {
            b.asFloatBuffer().get(y);
        }
        return y;
    }
}
