package io.streamfit.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.streamfit.data.RejectedRecordException.Reason;
import io.streamfit.spec.ModelSpec;
import java.io.IOException;
import java.util.Arrays;

/**
 * The JSON path of {@link RecordDecoder}: one pass of Jackson's streaming parser over the record,
 * each number of {@code x} parsed straight into the {@code float[]} the {@link Examples} carry (no
 * tree, no boxing, no intermediate {@code double[]}).
 *
 * <p>Guarantees, each checked against the tree-based decoder it replaced (kept in the tests as
 * {@code TreeRecordDecoder}, compared bitwise over thousands of generated records):
 * <ul>
 * <li><b>Same numbers.</b> A number is read as a double (correctly rounded, also with Jackson's
 * fast parser) and narrowed with {@code (float) d}; a finite double beyond float32 is refused by
 * name; NaN and Infinity literals are read, then refused with their flat index.
 * <li><b>Same verdicts, same messages, same precedence.</b> Semantic problems found while
 * streaming are only noted; the whole record is still parsed, so a syntax error, a duplicate key,
 * a parser limit or trailing content anywhere wins as before, and the noted problems are then
 * reported in the old order (x, y present, row count, size bounds, y's shape, then row by row x
 * before its target, then non-finite values). Strings are decoded even where skipped, as the
 * tree did, so invalid UTF-8 is found in the same place.
 * <li><b>Bounded memory.</b> At most {@code record length / 2 + 1} floats are ever allocated for
 * x (a number takes at least two bytes of JSON); a mini-batch's buffer grows by rows, first to an
 * estimate from row 0's length in bytes, and is trimmed once at the end when the estimate missed.
 * The y values (a label or one per row) are small: {@link JsonTargets} reads a class index
 * directly, anything else as a small tree so its messages quote it as before.
 * </ul>
 *
 * <p>Speed, {@code RecordDecoderBenchmark} (Fashion-MNIST records byte for byte as Python's
 * {@code json.dumps} writes them), per second of CPU time on a loaded 2-core machine, one run:
 * 5 KB records 186 MB/s against the tree's 126 (1.5x), 64-example records 133 against 89 (1.5x);
 * Jackson's tokenizer alone reaches 344 and 226, so about half of the time left is the parser's
 * own. {@code USE_FAST_DOUBLE_PARSER} (no {@code String} per number) paid 1.25x and 1.4x
 * (JDK parser: 149 and 95). Growing a mini-batch's buffer and trimming it once costs one copy of
 * x (about 200 KB for 64 rows; estimated, not measured, at a few percent of that decode); counting rows first
 * would cost a pass over the whole record, at best the 2.3-2.9 GB/s of a plain byte scan.
 */
final class JsonRecordDecoder {
    private final JsonMapper json;
    private final int width;
    private final ModelSpec.TaskType task;
    private final JsonTargets targets;

    JsonRecordDecoder(int width, ModelSpec.TaskType task, int targetWidth) {
        this(width, task, targetWidth, true);
    }

    JsonRecordDecoder(int width, ModelSpec.TaskType task, int targetWidth, boolean fastDoubles) {
        this.json = fastDoubles ? JsonRecords.JSON : JsonRecords.JSON_JDK_DOUBLES;
        this.width = width;
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

    /** What one pass over the record found; problems are noted, not thrown, until the parse is complete. */
    private static final class Scan {
        final int length;
        /** The most floats x may allocate: a number takes at least two bytes of JSON ("0,"). */
        final int bound;
        boolean xValid;
        boolean batch;
        int count;
        float[] x;
        JsonNode y;
        /** The first row (in row order) with a problem, its reason and message; -1: none. */
        int badRow = -1;
        Reason badReason;
        String badMessage;
        /** The first problem inside the row being read (its width is checked first, at its end). */
        int rowProblemAt = -1;
        Reason rowProblemReason;
        String rowProblemMessage;

        Scan(int length) {
            this.length = length;
            this.bound = length / 2 + 1;
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
        s.batch = t == JsonToken.START_ARRAY;
        if (!s.batch) {
            s.x = new float[Math.min(width, s.bound)];
            s.count = 1;
            endRow(s, 0, readRow(p, t, s, 0, false));
            return;
        }
        s.x = new float[Math.min(width, s.bound)];
        long row0Start = p.currentTokenLocation().getByteOffset();
        int rows = 0;
        for (; t != JsonToken.END_ARRAY; t = p.nextToken(), rows++) {
            if (s.badRow >= 0) { // a row before was wrong: only the row count still matters
                JsonRecords.skip(p, t);
            } else if (t != JsonToken.START_ARRAY) {
                JsonRecords.skip(p, t);
                noteRow(s, rows, Reason.WRONG_WIDTH, "x[" + rows + "] has width (not an array), the model expects " + width);
            } else {
                if (rows == 1) {
                    grow(s, rows, row0Start, p.currentTokenLocation().getByteOffset());
                } else if (rows > 1) {
                    grow(s, rows, 0, 0);
                }
                endRow(s, rows, readRow(p, p.nextToken(), s, rows, true));
            }
        }
        s.count = rows;
    }

    /**
     * Makes room for row {@code row} if the size bound allows (if it does not, the record fails
     * the size check later and the row's numbers are not needed). At row 1 the capacity jumps to
     * an estimate of all rows from row 0's length in bytes; later it doubles.
     */
    private void grow(Scan s, int row, long row0Start, long row1Start) {
        long need = (long) (row + 1) * width;
        if (need <= s.x.length || s.x.length >= s.bound) {
            return;
        }
        long want = 2L * s.x.length;
        if (row1Start > row0Start) {
            long rowBytes = row1Start - row0Start;
            long estimatedRows = (s.length - row0Start) / rowBytes + 1;
            want = estimatedRows * width;
        }
        s.x = Arrays.copyOf(s.x, (int) Math.min(s.bound, Math.max(need, want)));
    }

    /**
     * Reads the elements of one row, from its first token to its closing bracket, into
     * {@code x[row * width ...]}; returns the number of elements (of any kind) it holds.
     */
    private int readRow(JsonParser p, JsonToken t, Scan s, int row, boolean batch) throws IOException {
        float[] x = s.x;
        int base = row * width;
        int limit = Math.min(width, x.length - base); // beyond it the record is refused by width or size
        int j = 0;
        for (; t != JsonToken.END_ARRAY; t = p.nextToken(), j++) {
            if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
                if (j < limit) {
                    double d = p.getDoubleValue();
                    float f = (float) d;
                    if (!Float.isFinite(f) && Double.isFinite(d) && s.rowProblemAt < 0) {
                        String path = path(batch, row, j);
                        noteInRow(s, j, Reason.NON_FINITE, Float32.beyondRange(path, d));
                    }
                    x[base + j] = f;
                }
            } else {
                JsonRecords.skip(p, t);
                if (s.rowProblemAt < 0) {
                    noteInRow(s, j, Reason.DECODE_ERROR, path(batch, row, j) + " is not a number");
                }
            }
        }
        return j;
    }

    private static String path(boolean batch, int row, int j) {
        return "x" + (batch ? "[" + row + "]" : "") + "[" + j + "]";
    }

    private static void noteInRow(Scan s, int j, Reason reason, String message) {
        s.rowProblemAt = j;
        s.rowProblemReason = reason;
        s.rowProblemMessage = message;
    }

    /** Closes a row: a wrong width comes first, then the row's first element problem. */
    private void endRow(Scan s, int row, int size) {
        if (size != width) {
            noteRow(s, row, Reason.WRONG_WIDTH, "x" + (s.batch ? "[" + row + "]" : "") + " has width " + size
                    + ", the model expects " + width);
        } else if (s.rowProblemAt >= 0) {
            noteRow(s, row, s.rowProblemReason, s.rowProblemMessage);
        }
        s.rowProblemAt = -1;
    }

    private static void noteRow(Scan s, int row, Reason reason, String message) {
        if (s.badRow < 0) {
            s.badRow = row;
            s.badReason = reason;
            s.badMessage = message;
        }
    }

    /** The noted problems in the order the tree-based decoder checked them, or the examples. */
    private Examples verdict(int length, Scan s) throws RejectedRecordException {
        if (!s.xValid) {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "field x must be a non-empty array");
        }
        JsonNode ys = s.y;
        JsonTargets.requirePresent(ys);
        int count = s.count;
        if (count > RecordDecoder.MAX_EXAMPLES_PER_RECORD) {
            throw new RejectedRecordException(Reason.TOO_LARGE, "record holds " + count + " examples, more than "
                    + RecordDecoder.MAX_EXAMPLES_PER_RECORD);
        }
        // A number takes at least two bytes of JSON ("0,"): more values than that cannot be in
        // the record, so this bounds what is allocated by the record's own size.
        if ((long) count * width > length / 2 + 1) {
            throw new RejectedRecordException(Reason.WRONG_WIDTH, "record of " + length + " bytes cannot hold "
                    + count + " rows of width " + width);
        }
        targets.checkRoom(length, count); // targets too
        if (s.batch) {
            JsonTargets.checkBatch(ys, count);
        }
        float[] y = new float[count * targets.stored];
        int goodRows = s.badRow >= 0 ? s.badRow : count;
        for (int i = 0; i < goodRows; i++) {
            targets.read(s.batch ? ys.get(i) : ys, y, i, s.batch ? "y[" + i + "]" : "y");
        }
        if (s.badRow >= 0) {
            throw new RejectedRecordException(s.badReason, s.badMessage);
        }
        float[] x = s.x.length == count * width ? s.x : Arrays.copyOf(s.x, count * width);
        RecordChecks.checkFinite(x, "x");
        RecordChecks.checkTargets(y, task);
        return new Examples(count, width, x, targets.stored, y);
    }
}
