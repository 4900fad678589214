package io.streamfit.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import io.streamfit.data.RejectedRecordException.Reason;
import io.streamfit.spec.JsonReadErrors;
import io.streamfit.spec.ModelSpec;
import java.io.IOException;

/**
 * The {@code y} of a JSON record, read the same way whatever {@code x} holds: a class index
 * (classification), a number (one target) or an array of targets per example, and for a
 * mini-batch an array of those, one per example. Small, so it is read as a tree (a class index
 * without the tree machinery) and its refusals quote it.
 */
final class JsonTargets {
    private final JsonMapper json;
    private final ModelSpec.TaskType task;
    private final int targetWidth;
    /** Floats stored per example: 1 for a class index, else {@code targetWidth}. */
    final int stored;

    JsonTargets(JsonMapper json, ModelSpec.TaskType task, int targetWidth) {
        this.json = json;
        this.task = task;
        this.targetWidth = targetWidth;
        this.stored = task == ModelSpec.TaskType.CLASSIFICATION ? 1 : targetWidth;
    }

    /** y from its first token {@code t}, as a tree node. */
    JsonNode read(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT && task == ModelSpec.TaskType.CLASSIFICATION) {
            JsonParser.NumberType type = p.getNumberType();
            if (type == JsonParser.NumberType.INT) {
                return IntNode.valueOf(p.getIntValue());
            }
            if (type == JsonParser.NumberType.LONG) {
                return LongNode.valueOf(p.getLongValue());
            }
        }
        return json.readTree(p);
    }

    /** Refuses a record without y. */
    static void requirePresent(JsonNode ys) throws RejectedRecordException {
        if (ys == null || ys.isNull()) {
            throw new RejectedRecordException(Reason.BAD_LABEL, "field y is missing");
        }
    }

    /**
     * Refuses {@code count} examples whose targets a record of {@code length} bytes cannot hold
     * (a number takes at least two bytes): count times a wide regression target would overflow an
     * int, and allocate gigabytes, long before the targets themselves are read.
     */
    void checkRoom(int length, int count) throws RejectedRecordException {
        if ((long) count * stored > length / 2 + 1) {
            throw new RejectedRecordException(Reason.BAD_LABEL, "record of " + length + " bytes cannot hold "
                    + count + " targets of width " + stored);
        }
    }

    /** Refuses a mini-batch whose y is not an array of one label per example. */
    static void checkBatch(JsonNode ys, int count) throws RejectedRecordException {
        if (!ys.isArray() || ys.size() != count) {
            throw new RejectedRecordException(Reason.BAD_LABEL,
                    "a mini-batch record needs y as an array of " + count + " labels");
        }
    }

    /** Reads example {@code row}'s target {@code t} (at {@code path}) into {@code y}. */
    void read(JsonNode t, float[] y, int row, String path) throws RejectedRecordException {
        if (task == ModelSpec.TaskType.CLASSIFICATION) {
            if (!t.isIntegralNumber()) {
                throw new RejectedRecordException(Reason.BAD_LABEL, path + " must be a class index (integer), got " + t);
            }
            // canConvertToLong: asLong() would wrap 2^64 + 3 around to class 3
            long label = t.canConvertToLong() ? t.asLong() : -1;
            if (label < 0 || label >= targetWidth) {
                throw new RejectedRecordException(Reason.BAD_LABEL, path + " (example " + row + ") is "
                        + JsonReadErrors.excerpt(t.toString(), 40) + ", outside [0, " + targetWidth + ")");
            }
            y[row] = label;
            return;
        }
        if (targetWidth == 1 && t.isNumber()) {
            y[row] = RecordChecks.narrow(t.asDouble(), path);
            return;
        }
        if (!t.isArray() || t.size() != targetWidth) {
            throw new RejectedRecordException(Reason.BAD_LABEL,
                    path + " must be an array of " + targetWidth + " targets, got " + t);
        }
        for (int j = 0; j < targetWidth; j++) {
            if (!t.get(j).isNumber()) {
                throw new RejectedRecordException(Reason.BAD_LABEL, path + "[" + j + "] is not a number");
            }
            y[row * targetWidth + j] = RecordChecks.narrow(t.get(j).asDouble(), path + "[" + j + "]");
        }
    }
}
