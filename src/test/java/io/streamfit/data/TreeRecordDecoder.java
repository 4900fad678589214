package io.streamfit.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.streamfit.data.RejectedRecordException.Reason;
import io.streamfit.spec.JsonReadErrors;
import io.streamfit.spec.ModelSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;

/**
 * The record decoder as it was before issue 13 (a Jackson {@code JsonNode} tree per JSON record,
 * {@code ByteBuffer} views for binary records), kept verbatim in the tests as the reference the
 * streaming {@link RecordDecoder} must match bitwise, reason for reason and message for message
 * ({@code RecordDecoderDifferentialTest}), and as the "old" side of {@code RecordDecoderBenchmark}.
 *
 * <p>The original class comment:
 *
 * <p>Decodes and validates one Kafka record value into {@link Examples}. Two encodings, told apart
 * by the first byte:
 *
 * <p><b>JSON</b> (first non-blank byte {@code '{'}): one example {@code {"x":[...],"y":3}} or a
 * mini-batch {@code {"x":[[...],[...]],"y":[3,1]}}; {@code y} is a class index (classification) or
 * an array of targets (regression, binary). {@code NaN}/{@code Infinity} literals are read, then
 * rejected as non-finite.
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
 * checked against the record length before any array is allocated.
 */
public final class TreeRecordDecoder {
    public static final int MAX_EXAMPLES_PER_RECORD = 65_536;
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // {"y":1,"y":0} is refused, not "last one wins"
            .build();

    private final int width;
    private final ModelSpec.TaskType task;
    private final int targetWidth;
    private final int storedTargetWidth;

    public TreeRecordDecoder(ModelSpec spec) {
        this.width = spec.inputWidth();
        this.task = spec.task().type();
        this.targetWidth = spec.task().width();
        this.storedTargetWidth = task == ModelSpec.TaskType.CLASSIFICATION ? 1 : targetWidth;
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
            return decodeJson(value);
        }
        if (value[0] == 'S') {
            return decodeBinary(value);
        }
        throw new RejectedRecordException(Reason.DECODE_ERROR,
                "value is neither JSON (starts with '{') nor binary (magic \"SF\")");
    }

    private Examples decodeBinary(byte[] value) throws RejectedRecordException {
        if (value.length < 16 || value[1] != 'F') {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "binary record shorter than its 16-byte header or bad magic");
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        if (b.get(2) != 1) {
            throw new RejectedRecordException(Reason.DECODE_ERROR,
                    "binary format version " + b.get(2) + " is not supported (expected 1)");
        }
        int kind = b.get(3);
        long n = Integer.toUnsignedLong(b.getInt(4));
        long w = Integer.toUnsignedLong(b.getInt(8));
        long m = Integer.toUnsignedLong(b.getInt(12));
        if (kind != 0 && kind != 1) {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "binary label kind must be 0 or 1, got " + kind);
        }
        if (n == 0 || n > MAX_EXAMPLES_PER_RECORD) {
            throw new RejectedRecordException(n == 0 ? Reason.EMPTY : Reason.TOO_LARGE,
                    "binary record holds " + n + " examples (allowed 1.." + MAX_EXAMPLES_PER_RECORD + ")");
        }
        if (w != width) {
            throw new RejectedRecordException(Reason.WRONG_WIDTH, "x has width " + w + ", the model expects " + width);
        }
        boolean classes = task == ModelSpec.TaskType.CLASSIFICATION;
        if (classes != (kind == 0) || m != storedTargetWidth) {
            throw new RejectedRecordException(Reason.BAD_LABEL, "label kind " + kind + " with " + m
                    + " targets does not fit the task (" + task.name().toLowerCase() + ", expects "
                    + (classes ? "kind 0, m=1" : "kind 1, m=" + targetWidth) + ")");
        }
        long expected = 16 + 4 * n * w + 4 * n * m;
        if (value.length != expected) {
            throw new RejectedRecordException(Reason.DECODE_ERROR,
                    "binary record is " + value.length + " bytes, header implies " + expected);
        }
        int count = (int) n;
        float[] x = new float[count * width];
        b.position(16);
        b.asFloatBuffer().get(x);
        b.position(16 + 4 * x.length);
        float[] y = new float[count * storedTargetWidth];
        if (classes) {
            IntBuffer ib = b.asIntBuffer();
            for (int i = 0; i < count; i++) {
                y[i] = checkClass(ib.get(i), i);
            }
        } else {
            b.asFloatBuffer().get(y);
        }
        checkFinite(x, "x");
        checkTargets(y);
        return new Examples(count, width, x, storedTargetWidth, y);
    }

    private Examples decodeJson(byte[] value) throws RejectedRecordException {
        JsonNode root;
        try (JsonParser parser = JSON.createParser(value)) {
            root = JSON.readTree(parser);
            if (parser.nextToken() != null) {
                throw new RejectedRecordException(Reason.DECODE_ERROR, "trailing content after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new RejectedRecordException(Reason.DECODE_ERROR, jsonError(e));
        } catch (IOException e) {
            throw new RejectedRecordException(Reason.DECODE_ERROR,
                    "invalid JSON: " + JsonReadErrors.excerpt(String.valueOf(e.getMessage()), 160));
        }
        JsonNode xs = root.get("x");
        JsonNode ys = root.get("y");
        if (xs == null || !xs.isArray() || xs.isEmpty()) {
            throw new RejectedRecordException(Reason.DECODE_ERROR, "field x must be a non-empty array");
        }
        if (ys == null || ys.isNull()) {
            throw new RejectedRecordException(Reason.BAD_LABEL, "field y is missing");
        }
        boolean batch = xs.get(0).isArray();
        int count = batch ? xs.size() : 1;
        if (count > MAX_EXAMPLES_PER_RECORD) {
            throw new RejectedRecordException(Reason.TOO_LARGE,
                    "record holds " + count + " examples, more than " + MAX_EXAMPLES_PER_RECORD);
        }
        // A number takes at least two bytes of JSON ("0,"): more values than that cannot be in
        // the record, so this bounds what is allocated by the record's own size.
        if ((long) count * width > value.length / 2 + 1) {
            throw new RejectedRecordException(Reason.WRONG_WIDTH, "record of " + value.length + " bytes cannot hold "
                    + count + " rows of width " + width);
        }
        // Targets too: count times a wide regression target would overflow an int (and allocate
        // gigabytes) long before the targets themselves are read.
        if ((long) count * storedTargetWidth > value.length / 2 + 1) {
            throw new RejectedRecordException(Reason.BAD_LABEL, "record of " + value.length + " bytes cannot hold "
                    + count + " targets of width " + storedTargetWidth);
        }
        if (batch && (!ys.isArray() || ys.size() != count)) {
            throw new RejectedRecordException(Reason.BAD_LABEL,
                    "a mini-batch record needs y as an array of " + count + " labels");
        }
        float[] x = new float[count * width];
        float[] y = new float[count * storedTargetWidth];
        for (int i = 0; i < count; i++) {
            JsonNode row = batch ? xs.get(i) : xs;
            if (!row.isArray() || row.size() != width) {
                throw new RejectedRecordException(Reason.WRONG_WIDTH, "x" + (batch ? "[" + i + "]" : "") + " has width "
                        + (row.isArray() ? row.size() : "(not an array)") + ", the model expects " + width);
            }
            for (int j = 0; j < width; j++) {
                JsonNode v = row.get(j);
                if (!v.isNumber()) {
                    throw new RejectedRecordException(Reason.DECODE_ERROR,
                            "x" + (batch ? "[" + i + "]" : "") + "[" + j + "] is not a number");
                }
                x[i * width + j] = narrow(v, "x" + (batch ? "[" + i + "]" : "") + "[" + j + "]");
            }
            readTarget(batch ? ys.get(i) : ys, y, i, batch ? "y[" + i + "]" : "y");
        }
        checkFinite(x, "x");
        checkTargets(y);
        return new Examples(count, width, x, storedTargetWidth, y);
    }

    private void readTarget(JsonNode t, float[] y, int row, String path) throws RejectedRecordException {
        if (task == ModelSpec.TaskType.CLASSIFICATION) {
            if (!t.isIntegralNumber()) {
                throw new RejectedRecordException(Reason.BAD_LABEL, path + " must be a class index (integer), got " + t);
            }
            // canConvertToLong: asLong() would wrap 2^64 + 3 around to class 3
            y[row] = checkClass(t.canConvertToLong() ? t.asLong() : -1, row, path, t);
            return;
        }
        if (targetWidth == 1 && t.isNumber()) {
            y[row] = narrow(t, path);
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
            y[row * targetWidth + j] = narrow(t.get(j), path + "[" + j + "]");
        }
    }

    private float checkClass(long label, int row) throws RejectedRecordException {
        if (label < 0 || label >= targetWidth) {
            throw new RejectedRecordException(Reason.BAD_LABEL, "label of example " + row + " is " + label
                    + ", outside [0, " + targetWidth + ")");
        }
        return label;
    }

    /** A JSON label: as {@link #checkClass(long, int)}, quoting the number as written (-1 for any beyond a long). */
    private float checkClass(long label, int row, String path, JsonNode written) throws RejectedRecordException {
        if (label < 0 || label >= targetWidth) {
            throw new RejectedRecordException(Reason.BAD_LABEL, path + " (example " + row + ") is "
                    + JsonReadErrors.excerpt(written.toString(), 40) + ", outside [0, " + targetWidth + ")");
        }
        return label;
    }

    /** A JSON number as float32; a finite value beyond float32's range is refused by name, not made infinite. */
    private static float narrow(JsonNode v, String path) throws RejectedRecordException {
        double d = v.asDouble();
        if (Double.isFinite(d) && !Float32.fits(d)) {
            throw new RejectedRecordException(Reason.NON_FINITE, Float32.beyondRange(path, d));
        }
        return (float) d; // a non-finite value is reported by checkFinite with its index
    }

    /** A read error in words: a repeated key by name, a parser limit without the library's terms. */
    private static String jsonError(JsonProcessingException e) {
        String key = JsonReadErrors.duplicateKey(e);
        if (key != null) {
            return "key \"" + key + "\" is given twice: each key may appear once";
        }
        String limit = JsonReadErrors.limit(e, JSON.getFactory().streamReadConstraints());
        return limit != null ? "record " + limit : "invalid JSON: " + JsonReadErrors.message(e);
    }

    private void checkTargets(float[] y) throws RejectedRecordException {
        checkFinite(y, "y");
        if (task == ModelSpec.TaskType.BINARY) {
            for (int i = 0; i < y.length; i++) {
                if (y[i] < 0f || y[i] > 1f) {
                    throw new RejectedRecordException(Reason.BAD_LABEL, "binary target " + y[i] + " is outside [0, 1]");
                }
            }
        }
    }

    private static void checkFinite(float[] v, String field) throws RejectedRecordException {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new RejectedRecordException(Reason.NON_FINITE, field + " holds " + v[i] + " at flat index " + i);
            }
        }
    }
}
