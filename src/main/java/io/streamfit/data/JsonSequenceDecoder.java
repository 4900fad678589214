package io.streamfit.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.streamfit.data.RejectedRecordException.Reason;
import io.streamfit.nn.SequenceRows;
import io.streamfit.spec.ModelSpec;
import java.io.IOException;
import java.util.Arrays;

/**
 * The JSON path of {@link SequenceRecordDecoder}: one pass of Jackson's streaming parser, each
 * value of {@code x} parsed straight into its place in a {@link SequenceRows} row. {@code x} is one
 * sequence {@code [step][feature]} (depth 2) or a mini-batch (depth 3): {@code [batch][step][feature]}
 * with {@code batch_first}, else {@code [step][batch][feature]}, where every sequence has every
 * step. {@code y} is read as for rows ({@link JsonTargets}).
 *
 * <p>Guarantees:
 * <ul>
 * <li><b>Refusals name the element.</b> A step's width, a sequence's number of steps (in
 * {@code [min_length, length]}), a value that is not a number or not finite in float32 (NaN and
 * Infinity literals too): each names its path in {@code x}, such as {@code x[0][2][1]}.
 * <li><b>Precedence.</b> Problems in {@code x} are noted in record order and the first is kept
 * (within a step, its width before its values); the whole record is still parsed, so a syntax
 * error, a duplicate key or trailing content anywhere wins. Then: y present, x's first problem,
 * the number of examples, the padded size, then y as for rows.
 * <li><b>Bounded memory.</b> Rows are allocated as sequences begin, never more than
 * {@link SequenceRecordDecoder#paddedBound} floats and {@link RecordDecoder#MAX_EXAMPLES_PER_RECORD}
 * rows (and one copy trimmed to the rows read, when the doubling capacity overshot); a record
 * that would need more is counted to the end without storing and refused as {@code too_large}.
 * Values beyond a step's width or a sequence's length are not stored.
 * </ul>
 */
final class JsonSequenceDecoder {
    private final JsonMapper json;
    private final ModelSpec.SequenceSpec seq;
    private final int features;
    private final int width;
    private final ModelSpec.TaskType task;
    private final JsonTargets targets;

    JsonSequenceDecoder(ModelSpec.SequenceSpec seq, ModelSpec.TaskType task, int targetWidth, boolean fastDoubles) {
        this.json = fastDoubles ? JsonRecords.JSON : JsonRecords.JSON_JDK_DOUBLES;
        this.seq = seq;
        this.features = seq.features();
        this.width = seq.width();
        this.task = task;
        this.targets = new JsonTargets(json, task, targetWidth);
    }

    /** Decodes a record whose first non-blank byte is {@code '{'}. */
    Examples decode(byte[] value) throws RejectedRecordException {
        Scan s = new Scan(value.length);
        JsonRecords.readObject(json, value, (name, p, t) -> {
            if ("x".equals(name)) {
                readX(p, t, s);
            } else if ("y".equals(name)) {
                s.y = targets.read(p, t);
            } else {
                JsonRecords.skip(p, t);
            }
        });
        return verdict(value.length, s);
    }

    /** What the pass found; problems are noted, not thrown, until the parse is complete. */
    private static final class Scan {
        final long bound;
        boolean xValid;
        boolean batch;
        int count;
        float[] x = new float[0];
        /** Rows beyond the bounds: the rest of x is counted, not stored. */
        boolean overflow;
        JsonNode y;
        Reason reason;
        String message;

        Scan(int length) {
            this.bound = SequenceRecordDecoder.paddedBound(length);
        }

        boolean storing() {
            return reason == null && !overflow;
        }

        void note(Reason r, String m) {
            if (reason == null) {
                reason = r;
                message = m;
            }
        }
    }

    private void readX(JsonParser p, JsonToken t, Scan s) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            JsonRecords.skip(p, t);
            return;
        }
        t = p.nextToken();
        if (t == JsonToken.END_ARRAY) {
            return;
        }
        s.xValid = true;
        if (t != JsonToken.START_ARRAY) {
            s.note(Reason.WRONG_WIDTH, "x[0] is not an array: x is [step][feature], or "
                    + (seq.batchFirst() ? "[batch][step][feature]" : "[step][batch][feature]") + " for a mini-batch");
            skipRest(p, t);
            return;
        }
        JsonToken inner = p.nextToken();
        s.batch = inner == JsonToken.START_ARRAY;
        if (!s.batch) { // x[0] is the first step of the only sequence, already opened
            s.count = 1;
            room(s, 0);
            readSteps(p, s, 0, "x", t, inner);
        } else if (seq.batchFirst()) {
            readBatchFirst(p, s, inner);
        } else {
            readStepFirst(p, s, inner);
        }
    }

    /** x as [batch][step][feature]; {@code t} is x[0]'s first element (x[0] is open). */
    private void readBatchFirst(JsonParser p, Scan s, JsonToken t) throws IOException {
        room(s, 0);
        readSteps(p, s, 0, "x[0]", t, null);
        int rows = 1;
        for (t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), rows++) {
            if (s.storing() && t != JsonToken.START_ARRAY) {
                s.note(Reason.WRONG_WIDTH, "x[" + rows + "] is not an array: a mini-batch's x is [batch][step][feature]");
            }
            if (s.storing()) {
                room(s, rows);
            }
            if (!s.storing()) {
                JsonRecords.skip(p, t);
            } else {
                readSteps(p, s, rows, "x[" + rows + "]", p.nextToken(), null);
            }
        }
        s.count = rows;
    }

    /**
     * Reads the steps of sequence {@code row} at {@code path}, from its first element {@code t} to
     * its closing bracket, and sets its length column. {@code inner} non-null: element {@code t}
     * was opened already and {@code inner} is its first token.
     */
    private void readSteps(JsonParser p, Scan s, int row, String path, JsonToken t, JsonToken inner) throws IOException {
        int steps = 0;
        for (; t != JsonToken.END_ARRAY; t = p.nextToken(), steps++) {
            boolean opened = steps == 0 && inner != null;
            if (!s.storing() || steps >= seq.length() || t != JsonToken.START_ARRAY) {
                if (s.storing() && steps < seq.length()) {
                    s.note(Reason.WRONG_WIDTH, path + "[" + steps + "] is not an array of " + features + " features");
                }
                if (opened) {
                    skipRest(p, inner);
                } else {
                    JsonRecords.skip(p, t);
                }
            } else {
                readStep(p, s, row * width + steps * features, path + "[" + steps + "]", opened ? inner : p.nextToken());
            }
        }
        if (s.storing()) {
            if (steps < seq.minLength() || steps > seq.length()) {
                s.note(Reason.WRONG_WIDTH, path + " has " + steps + " steps, the model accepts " + accepts());
            } else {
                s.x[row * width + width - 1] = steps;
            }
        }
    }

    /**
     * Reads one step, from its first token {@code t} to its closing bracket, into
     * {@code x[base ...]}: its width is checked first, then its values in order.
     */
    private void readStep(JsonParser p, Scan s, int base, String path, JsonToken t) throws IOException {
        Reason reason = null;
        String message = null;
        int j = 0;
        for (; t != JsonToken.END_ARRAY; t = p.nextToken(), j++) {
            boolean number = t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT;
            if (!number) {
                JsonRecords.skip(p, t);
                if (reason == null) {
                    reason = Reason.DECODE_ERROR;
                    message = path + "[" + j + "] is not a number";
                }
            } else if (j < features && reason == null) {
                double d = p.getDoubleValue();
                float f = (float) d;
                if (Float.isFinite(f)) {
                    s.x[base + j] = f;
                } else {
                    reason = Reason.NON_FINITE;
                    message = Double.isFinite(d) ? Float32.beyondRange(path + "[" + j + "]", d)
                            : path + "[" + j + "] is " + d + ", not a finite number";
                }
            }
        }
        if (j != features) {
            s.note(Reason.WRONG_WIDTH, path + " has " + j + " values, the model expects " + features + " features per step");
        } else if (reason != null) {
            s.note(reason, message);
        }
    }

    /** x as [step][batch][feature]; {@code t} is x[0]'s first element (x[0] is open). */
    private void readStepFirst(JsonParser p, Scan s, JsonToken t) throws IOException {
        int steps = 0;
        for (boolean first = true;; first = false) {
            if (!first) {
                t = p.nextToken();
                if (t == JsonToken.END_ARRAY) {
                    break;
                }
                if (!s.storing() || steps >= seq.length() || t != JsonToken.START_ARRAY) {
                    if (s.storing() && steps < seq.length()) {
                        s.note(Reason.WRONG_WIDTH, "x[" + steps + "] is not an array: with batch_first false, x is "
                                + "[step][batch][feature]");
                    }
                    JsonRecords.skip(p, t);
                    steps++;
                    continue;
                }
                t = p.nextToken();
            }
            int sequences = readStepOfAll(p, s, steps, t);
            if (steps == 0) {
                s.count = sequences;
            } else if (s.storing() && sequences != s.count) {
                s.note(Reason.WRONG_WIDTH, "x[" + steps + "] holds " + sequences + " sequences, x[0] holds " + s.count
                        + ": with batch_first false every sequence has every step");
            }
            steps++;
        }
        if (s.storing()) {
            if (steps < seq.minLength() || steps > seq.length()) {
                s.note(Reason.WRONG_WIDTH, "x has " + steps + " steps, the model accepts " + accepts());
            } else {
                for (int i = 0; i < s.count; i++) {
                    s.x[i * width + width - 1] = steps;
                }
            }
        }
    }

    /** Reads x[step] (open, {@code t} its first element): one step of each sequence. Returns how many it holds. */
    private int readStepOfAll(JsonParser p, Scan s, int step, JsonToken t) throws IOException {
        int b = 0;
        for (; t != JsonToken.END_ARRAY; t = p.nextToken(), b++) {
            if (s.storing() && step == 0) {
                room(s, b);
            }
            String path = "x[" + step + "][" + b + "]";
            if (s.storing() && (t != JsonToken.START_ARRAY || b >= s.count && step > 0)) {
                if (t != JsonToken.START_ARRAY) {
                    s.note(Reason.WRONG_WIDTH, path + " is not an array of " + features + " features");
                }
                JsonRecords.skip(p, t);
            } else if (s.storing()) {
                readStep(p, s, b * width + step * features, path, p.nextToken());
            } else {
                JsonRecords.skip(p, t);
            }
        }
        return b;
    }

    /**
     * Makes room for row {@code row} while the bounds allow; past them the record is refused as
     * too large, and the rest of x is only counted. Capacity doubles, up to the bound.
     */
    private void room(Scan s, int row) {
        long need = (long) (row + 1) * width;
        if (row >= RecordDecoder.MAX_EXAMPLES_PER_RECORD || need > s.bound) {
            s.overflow = true;
        } else if (need > s.x.length) {
            s.x = Arrays.copyOf(s.x, (int) Math.min(s.bound, Math.max(need, 2L * s.x.length)));
        }
    }

    /** Skips the rest of an open array whose next element starts at {@code t}. */
    private static void skipRest(JsonParser p, JsonToken t) throws IOException {
        for (; t != JsonToken.END_ARRAY; t = p.nextToken()) {
            JsonRecords.skip(p, t);
        }
    }

    private String accepts() {
        return seq.fixedLength() ? "exactly " + seq.length() : seq.minLength() + ".." + seq.length();
    }

    private Examples verdict(int length, Scan s) throws RejectedRecordException {
        if (!s.xValid) {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "field x must be a non-empty array");
        }
        JsonNode ys = s.y;
        JsonTargets.requirePresent(ys);
        if (s.reason != null) {
            throw new RejectedRecordException(s.reason, s.message);
        }
        int count = s.count;
        SequenceRecordDecoder.checkSize(count, width, seq.length(), length, s.bound);
        targets.checkRoom(length, count);
        if (s.batch) {
            JsonTargets.checkBatch(ys, count);
        }
        float[] y = new float[count * targets.stored];
        for (int i = 0; i < count; i++) {
            targets.read(s.batch ? ys.get(i) : ys, y, i, s.batch ? "y[" + i + "]" : "y");
        }
        RecordChecks.checkTargets(y, task);
        float[] x = s.x.length == count * width ? s.x : Arrays.copyOf(s.x, count * width);
        return new Examples(count, width, x, targets.stored, y);
    }
}
