package io.streamfit.data;

import io.streamfit.data.RejectedRecordException.Reason;
import io.streamfit.spec.ModelSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes and validates one Kafka record value into {@link Examples}. Two encodings, told apart
 * by the first byte:
 *
 * <p><b>JSON</b> (first non-blank byte {@code '{'}): one example {@code {"x":[...],"y":3}} or a
 * mini-batch {@code {"x":[[...],[...]],"y":[3,1]}}; {@code y} is a class index (classification) or
 * an array of targets (regression, binary). {@code NaN}/{@code Infinity} literals are read, then
 * rejected as non-finite. Keys may come in any order; unknown keys are skipped. Decoded in one
 * streaming pass straight into the {@code float[]} ({@link JsonRecordDecoder}).
 *
 * <p><b>Binary</b> (first byte {@code 'S'}), little-endian, for speed (a numpy
 * {@code tobytes()} away):
 * <pre>
 * offset size  field
 * 0      2     magic "SF" (0x53 0x46)
 * 2      1     format version = 1
 * 3      1     label kind: 0 = int32 class index per example, 1 = float32 targets
 * 4      4     n: uint32, examples in this record (1..65536)
 * 8      4     width: uint32, must equal the spec's input_width
 * 12     4     m: uint32, targets per example (1 for label kind 0)
 * 16     4n·w  x: float32, row-major
 * ...    4n·m  y: int32 (kind 0) or float32 (kind 1)
 * </pre>
 * Anything else (wrong length, wrong magic) is rejected as {@code decode_error}. Sizes are
 * checked against the record length before any array is allocated. The floats of {@code x} are
 * copied once, in bulk, from the record's bytes into the {@code float[]} the examples carry.
 *
 * <p><b>Sequences.</b> For a model with a {@code sequence} input both encodings hold sequences
 * instead ({@link SequenceRecordDecoder}): JSON {@code x} is {@code [step][feature]} or a
 * mini-batch of them, binary records are format version 2; the examples are
 * {@code SequenceRows} rows. Each model refuses the other's binary version.
 *
 * <p>Thread-safe: a decoder holds only the spec's shape; each call has its own parser and buffers.
 */
public final class RecordDecoder {
    public static final int MAX_EXAMPLES_PER_RECORD = 65_536;

    private final int width;
    private final ModelSpec.TaskType task;
    private final BinaryTargets targets;
    private final JsonRecordDecoder json;
    /** The decoder of sequence records, or null when the model's input is rows. */
    private final SequenceRecordDecoder sequences;

    public RecordDecoder(ModelSpec spec) {
        this(spec, true);
    }

    /** {@code fastDoubles = false}: the JDK's double parser, only to measure what Jackson's fast one gains. */
    RecordDecoder(ModelSpec spec, boolean fastDoubles) {
        this(spec.inputWidth(), spec.sequence(), spec.task(), fastDoubles);
    }

    /** A decoder for a model whose input is {@code sequence}, without the rest of a spec. */
    RecordDecoder(ModelSpec.SequenceSpec sequence, ModelSpec.Task task) {
        this(sequence.width(), sequence, task, true);
    }

    private RecordDecoder(int width, ModelSpec.SequenceSpec sequence, ModelSpec.Task task, boolean fastDoubles) {
        this.width = width;
        this.task = task.type();
        this.targets = new BinaryTargets(this.task, task.width());
        this.json = new JsonRecordDecoder(width, this.task, task.width(), fastDoubles);
        this.sequences = sequence == null ? null
                : new SequenceRecordDecoder(sequence, this.task, task.width(), fastDoubles);
    }

    public Examples decode(byte[] value) throws RejectedRecordException {
        if (value == null || value.length == 0) {
            throw new RejectedRecordException(Reason.EMPTY, "record has no value");
        }
        int first = 0;
        while (first < value.length && Character.isWhitespace(value[first])) {
            first++;
        }
        if (first < value.length && value[first] == '{') {
            return sequences != null ? sequences.decodeJson(value) : json.decode(value);
        }
        if (value[0] == 'S') {
            return sequences != null ? sequences.decodeBinary(value) : decodeBinary(value);
        }
        throw new RejectedRecordException(Reason.DECODE_ERROR,
                "value is neither JSON (starts with '{') nor binary (magic \"SF\")");
    }

    private Examples decodeBinary(byte[] value) throws RejectedRecordException {
        if (value.length < 16 || value[1] != 'F') {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "binary record shorter than its 16-byte header or bad magic");
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        if (b.get(2) == 2) {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "binary format version 2 holds sequences, but this"
                    + " model's input is rows of input_width values (expected version 1)");
        }
        if (b.get(2) != 1) {
            throw new RejectedRecordException(Reason.DECODE_ERROR,
                    "binary format version " + b.get(2) + " is not supported (expected 1)");
        }
        int kind = b.get(3);
        long n = Integer.toUnsignedLong(b.getInt(4));
        long w = Integer.toUnsignedLong(b.getInt(8));
        long m = Integer.toUnsignedLong(b.getInt(12));
        BinaryTargets.checkKind(kind);
        if (n == 0 || n > MAX_EXAMPLES_PER_RECORD) {
            throw new RejectedRecordException(n == 0 ? Reason.EMPTY : Reason.TOO_LARGE,
                    "binary record holds " + n + " examples (allowed 1.." + MAX_EXAMPLES_PER_RECORD + ")");
        }
        if (w != width) {
            throw new RejectedRecordException(Reason.WRONG_WIDTH, "x has width " + w + ", the model expects " + width);
        }
        targets.checkFits(kind, m);
        long expected = 16 + 4 * n * w + 4 * n * m;
        if (value.length != expected) {
            throw new RejectedRecordException(Reason.DECODE_ERROR,
                    "binary record is " + value.length + " bytes, header implies " + expected);
        }
        int count = (int) n;
        float[] x = new float[count * width];
        b.position(16);
        b.asFloatBuffer().get(x);
        float[] y = targets.read(b, 16 + 4 * x.length, count);
        RecordChecks.checkFinite(x, "x");
        RecordChecks.checkTargets(y, task);
        return new Examples(count, width, x, targets.stored, y);
    }

    /** Encodes examples in the binary format (used by the demo producer and tests). */
    public static byte[] encodeBinary(int count, int width, float[] x, int[] classes, float[] targets, int targetWidth) {
        boolean kind0 = classes != null;
        int m = kind0 ? 1 : targetWidth;
        ByteBuffer b = ByteBuffer.allocate(16 + 4 * count * width + 4 * count * m).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'S').put((byte) 'F').put((byte) 1).put((byte) (kind0 ? 0 : 1));
        b.putInt(count).putInt(width).putInt(m);
        b.asFloatBuffer().put(x, 0, count * width);
        b.position(16 + 4 * count * width);
        if (kind0) {
            b.asIntBuffer().put(classes, 0, count);
        } else {
            b.asFloatBuffer().put(targets, 0, count * m);
        }
        return b.array();
    }

    /**
     * Encodes sequences in binary format version 2 (used by the demo producer and tests):
     * {@code x} is {@code [count][steps][features]}, each example padded to {@code steps};
     * {@code classes} (label kind 0) or else {@code targets}, {@code targetWidth} per example.
     */
    public static byte[] encodeSequences(int count, int steps, int features, int[] lengths, float[] x, int[] classes,
            float[] targets, int targetWidth) {
        boolean kind0 = classes != null;
        int m = kind0 ? 1 : targetWidth;
        int values = count * steps * features;
        ByteBuffer b = ByteBuffer.allocate(SequenceRecordDecoder.HEADER + 4 * count + 4 * values + 4 * count * m)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'S').put((byte) 'F').put((byte) 2).put((byte) (kind0 ? 0 : 1));
        b.putInt(count).putInt(steps).putInt(features).putInt(m);
        for (int i = 0; i < count; i++) {
            b.putInt(lengths[i]);
        }
        b.asFloatBuffer().put(x, 0, values);
        b.position(b.position() + 4 * values);
        if (kind0) {
            b.asIntBuffer().put(classes, 0, count);
        } else {
            b.asFloatBuffer().put(targets, 0, count * m);
        }
        return b.array();
    }
}
