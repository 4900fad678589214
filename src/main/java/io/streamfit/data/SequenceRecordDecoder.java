package io.streamfit.data;

import io.streamfit.data.RejectedRecordException.Reason;
import io.streamfit.nn.SequenceRows;
import io.streamfit.spec.ModelSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Decodes one record for a model with a {@code sequence} input into {@link SequenceRows} rows:
 * {@code T = length} steps of {@code F = features} values, zeros after the sequence's own length,
 * then the length. JSON is read by {@link JsonSequenceDecoder}; binary records are format version
 * 2, little-endian:
 *
 * <pre>
 * offset     size     field
 * 0          2        magic "SF"
 * 2          1        format version = 2
 * 3          1        label kind: 0 = int32 class index per example, 1 = float32 targets
 * 4          4        n: uint32, examples in this record (1..65536)
 * 8          4        T': uint32, steps stored per example, in [min_length, length]
 * 12         4        F: uint32, values per step, must equal features
 * 16         4        m: uint32, targets per example (1 for label kind 0)
 * 20         4n       lengths: uint32 per example, each in [min_length, T']
 * 20+4n      4n·T'·F  x: float32 [n][T'][F], each example padded to T' steps
 * ...        4n·m     y: int32 (kind 0) or float32 (kind 1)
 * </pre>
 *
 * Every header field is checked against the spec and the record's length before anything is
 * allocated; values past an example's length are not read (whatever they hold, the row has
 * zeros there); {@link RecordDecoder#encodeSequences} writes them. Refusals name the field: {@code lengths[3]}, {@code x[2][7][1]}. A version 1
 * record (rows) is refused, as a version 2 record is for a model without a sequence.
 *
 * <p>Memory: the rows of a record are {@code n × (T·F + 1)} floats whatever T' and the lengths,
 * so padding can make them larger than the record; they are bounded by {@link #paddedBound}
 * ({@code too_large} beyond it). Thread-safe: it holds only the spec's shape.
 */
final class SequenceRecordDecoder {
    /** The most floats a record's rows may take even when its own size is smaller (64 MB). */
    static final int MAX_PADDED_VALUES = 1 << 24;

    static final int HEADER = 20;

    private final ModelSpec.SequenceSpec seq;
    private final int width;
    private final ModelSpec.TaskType task;
    private final BinaryTargets targets;
    private final JsonSequenceDecoder json;

    SequenceRecordDecoder(ModelSpec.SequenceSpec seq, ModelSpec.TaskType task, int targetWidth, boolean fastDoubles) {
        this.seq = seq;
        this.width = seq.width();
        this.task = task;
        this.targets = new BinaryTargets(task, targetWidth);
        this.json = new JsonSequenceDecoder(seq, task, targetWidth, fastDoubles);
    }

    /**
     * The most floats the rows of a record of {@code length} bytes may take: its length, which
     * any record of sequences without padding fits in (a value takes at least two bytes), or
     * {@link #MAX_PADDED_VALUES}, whichever is larger.
     */
    static long paddedBound(int length) {
        return Math.max(MAX_PADDED_VALUES, length);
    }

    /** Refuses {@code count} examples beyond the record limit, or whose rows exceed {@code bound}. */
    static void checkSize(long count, int width, int steps, int length, long bound) throws RejectedRecordException {
        if (count > RecordDecoder.MAX_EXAMPLES_PER_RECORD) {
            throw new RejectedRecordException(Reason.TOO_LARGE, "record holds " + count + " examples, more than "
                    + RecordDecoder.MAX_EXAMPLES_PER_RECORD);
        }
        if (count * width > bound) {
            throw new RejectedRecordException(Reason.TOO_LARGE, "record of " + length + " bytes holds " + count
                    + " sequences, " + count * width + " values as rows of " + steps + " steps; at most " + bound
                    + " are allowed");
        }
    }

    /** Decodes a record whose first non-blank byte is {@code '{'}. */
    Examples decodeJson(byte[] value) throws RejectedRecordException {
        return json.decode(value);
    }

    /** Decodes a record whose first byte is {@code 'S'}. */
    Examples decodeBinary(byte[] value) throws RejectedRecordException {
        if (value.length < 3 || value[1] != 'F') {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "binary record shorter than its header or bad magic");
        }
        if (value[2] == 1) {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "binary format version 1 holds rows, but this model"
                    + " reads sequences (its spec has a sequence section): send version 2");
        }
        if (value[2] != 2) {
            throw new RejectedRecordException(Reason.DECODE_ERROR,
                    "binary format version " + value[2] + " is not supported (expected 2, sequences)");
        }
        if (value.length < HEADER) {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "binary record shorter than its 20-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        int kind = b.get(3);
        long n = Integer.toUnsignedLong(b.getInt(4));
        long stored = Integer.toUnsignedLong(b.getInt(8));
        long f = Integer.toUnsignedLong(b.getInt(12));
        long m = Integer.toUnsignedLong(b.getInt(16));
        BinaryTargets.checkKind(kind);
        if (n == 0 || n > RecordDecoder.MAX_EXAMPLES_PER_RECORD) {
            throw new RejectedRecordException(n == 0 ? Reason.EMPTY : Reason.TOO_LARGE,
                    "binary record holds " + n + " examples (allowed 1.." + RecordDecoder.MAX_EXAMPLES_PER_RECORD + ")");
        }
        if (stored < seq.minLength() || stored > seq.length()) {
            throw new RejectedRecordException(Reason.WRONG_WIDTH, "binary record stores " + stored
                    + " steps per example, the model accepts " + accepts());
        }
        if (f != seq.features()) {
            throw new RejectedRecordException(Reason.WRONG_WIDTH, "binary record has " + f
                    + " values per step, the model expects " + seq.features() + " features per step");
        }
        targets.checkFits(kind, m);
        long expected = HEADER + 4 * n + 4 * n * stored * f + 4 * n * m;
        if (value.length != expected) {
            throw new RejectedRecordException(Reason.DECODE_ERROR,
                    "binary record is " + value.length + " bytes, header implies " + expected);
        }
        checkSize(n, width, seq.length(), value.length, paddedBound(value.length));
        int count = (int) n;
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++) {
            long length = Integer.toUnsignedLong(b.getInt(HEADER + 4 * i));
            if (length < seq.minLength() || length > stored) {
                throw new RejectedRecordException(Reason.WRONG_WIDTH, "lengths[" + i + "] is " + length + ", "
                        + (length > stored ? "more than the " + stored + " steps stored per example"
                                : "the model accepts " + accepts()));
            }
            lengths[i] = (int) length;
        }
        int xAt = HEADER + 4 * count;
        float[] x = rows(b.position(xAt).asFloatBuffer(), count, (int) stored, lengths);
        float[] y = targets.read(b, xAt + 4 * count * (int) stored * seq.features(), count);
        RecordChecks.checkTargets(y, task);
        return new Examples(count, width, x, targets.stored, y);
    }

    /** The rows of {@code count} examples of {@code stored} steps each, reading only each one's length. */
    private float[] rows(FloatBuffer in, int count, int stored, int[] lengths) throws RejectedRecordException {
        int features = seq.features();
        float[] x = new float[count * width];
        for (int i = 0; i < count; i++) {
            int values = lengths[i] * features;
            int row = i * width;
            in.get(i * stored * features, x, row, values);
            for (int k = 0; k < values; k++) {
                if (!Float.isFinite(x[row + k])) {
                    throw new RejectedRecordException(Reason.NON_FINITE, "x[" + i + "][" + k / features + "]["
                            + k % features + "] is " + x[row + k] + ", not a finite number");
                }
            }
            x[row + width - 1] = lengths[i];
        }
        return x;
    }

    private String accepts() {
        return seq.fixedLength() ? "exactly " + seq.length() : seq.minLength() + ".." + seq.length();
    }
}
