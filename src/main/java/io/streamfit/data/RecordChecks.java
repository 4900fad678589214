package io.streamfit.data;

import io.streamfit.data.RejectedRecordException.Reason;
import io.streamfit.spec.ModelSpec;

/**
 * The checks both record encodings share, with their reasons and messages: class indices in
 * range, every value finite, binary targets in [0, 1], and float32 narrowing that refuses a finite
 * double beyond float32's range by name instead of turning it into infinity.
 */
final class RecordChecks {
    private RecordChecks() {}

    /** A class index of example {@code row} in {@code [0, classes)}, as a float. */
    static float checkClass(long label, int row, int classes) throws RejectedRecordException {
        if (label < 0 || label >= classes) {
            throw new RejectedRecordException(Reason.BAD_LABEL, "label of example " + row + " is " + label
                    + ", outside [0, " + classes + ")");
        }
        return label;
    }

    /**
     * {@code d} narrowed with {@code (float) d}; a finite value beyond float32's range is refused
     * naming {@code path}. A non-finite value passes through and is reported by {@link #checkFinite}
     * with its flat index.
     */
    static float narrow(double d, String path) throws RejectedRecordException {
        float f = (float) d;
        if (!Float.isFinite(f) && Double.isFinite(d)) {
            throw new RejectedRecordException(Reason.NON_FINITE, Float32.beyondRange(path, d));
        }
        return f;
    }

    /** Finite targets, and for a binary task each in [0, 1]. */
    static void checkTargets(float[] y, ModelSpec.TaskType task) throws RejectedRecordException {
        checkFinite(y, "y");
        if (task == ModelSpec.TaskType.BINARY) {
            for (int i = 0; i < y.length; i++) {
                if (y[i] < 0f || y[i] > 1f) {
                    throw new RejectedRecordException(Reason.BAD_LABEL, "binary target " + y[i] + " is outside [0, 1]");
                }
            }
        }
    }

    /** Refuses the first value that is NaN or infinite, naming its flat index. */
    static void checkFinite(float[] v, String field) throws RejectedRecordException {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new RejectedRecordException(Reason.NON_FINITE, field + " holds " + v[i] + " at flat index " + i);
            }
        }
    }
}
