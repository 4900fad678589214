package io.streamfit.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamfit.spec.JsonReadErrors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors file format (huggingface/safetensors). Written: float32 tensors only. Read:
 * F32, and also F64, F16, BF16 and I64 (as PyTorch saves a {@code state_dict}), converted to
 * float32 on reading (a finite value beyond float32's range is refused, not made infinite):
 *
 * <pre>
 * 8 bytes   N, unsigned little-endian: length of the header
 * N bytes   UTF-8 JSON: {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [...],
 *           "data_offsets": [begin, end]}, ...}, padded with spaces to a multiple of 8
 * rest      the tensors' bytes, little-endian, row-major, back to back in header order
 * </pre>
 *
 * Reading is pure parsing (JSON and little-endian floats): no Java serialization, no code runs.
 * The reader checks what the reference implementation checks (offsets in order, contiguous, the
 * buffer exactly covered, shapes matching byte lengths) and reports violations as
 * {@link SnapshotFormatException}.
 */
public final class Safetensors {
    /** Refuse headers above this size before allocating anything for them. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** Refuses a tensor or metadata key given twice instead of keeping the last one. */
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private Safetensors() {}

    /**
     * A named tensor as float32; {@code data} holds exactly {@code product(shape)} floats from its
     * position; {@code dtype} is the type it was stored as (always F32 when written).
     */
    public record Tensor(String name, long[] shape, FloatBuffer data, String dtype) {
        public Tensor(String name, long[] shape, FloatBuffer data) {
            this(name, shape, data, "F32");
        }

        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** A parsed file: tensors in file order and the string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata, int headerLength) {}

    /** Writes the tensor bytes of {@code tensors} back to back, little-endian. */
    public static byte[] dataSection(List<Tensor> tensors) {
        long total = 0;
        for (Tensor t : tensors) {
            total += 4 * t.elements();
        }
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(total)).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer out = data.asFloatBuffer();
        for (Tensor t : tensors) {
            FloatBuffer src = t.data().duplicate();
            src.limit(src.position() + Math.toIntExact(t.elements()));
            out.put(src);
        }
        return data.array();
    }

    /** Builds the file from a data section made by {@link #dataSection} over the same tensors. */
    public static byte[] write(List<Tensor> tensors, byte[] dataSection, Map<String, String> metadata) {
        byte[] json = header(tensors, metadata, dataSection.length);
        int padded = padded(json);
        ByteBuffer file = ByteBuffer.allocate(8 + padded + dataSection.length).order(ByteOrder.LITTLE_ENDIAN);
        putHeader(file, json, padded);
        file.put(dataSection);
        return file.array();
    }

    /**
     * Builds the file in one array, each tensor's floats copied once, straight from its buffer
     * into place. Same bytes as {@link #write} over {@link #dataSection}, but without the
     * intermediate data section: for a snapshot of the 269k-parameter Adam model (3.2 MB), the
     * allocations, not the copies, were most of the encoding time (SnapshotBenchmark with
     * {@code -prof gc}, {@code -prof stack}). The data section starts at {@link #dataStart}.
     */
    public static byte[] writeDirect(List<Tensor> tensors, Map<String, String> metadata) {
        long total = 0;
        for (Tensor t : tensors) {
            total += 4 * t.elements();
        }
        byte[] json = header(tensors, metadata, total);
        int padded = padded(json);
        byte[] bytes = new byte[Math.toIntExact(8 + padded + total)];
        ByteBuffer file = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        putHeader(file, json, padded);
        FloatBuffer out = file.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (Tensor t : tensors) {
            FloatBuffer src = t.data().duplicate();
            src.limit(src.position() + Math.toIntExact(t.elements()));
            out.put(src); // a bulk copy: both sides little-endian
        }
        return bytes;
    }

    /** Where the tensor bytes of a file made here begin: after the 8-byte length and the header. */
    public static int dataStart(byte[] file) {
        return Math.toIntExact(8 + ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
    }

    /** The header's JSON; checks that the tensors need exactly {@code dataLength} bytes. */
    private static byte[] header(List<Tensor> tensors, Map<String, String> metadata, long dataLength) {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Tensor t : tensors) {
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", "F32");
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long end = offset + 4 * t.elements();
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        if (offset != dataLength) {
            throw new IllegalArgumentException("data section has " + dataLength + " bytes, tensors need " + offset);
        }
        return header.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int padded(byte[] json) {
        return (json.length + 7) / 8 * 8;
    }

    private static void putHeader(ByteBuffer file, byte[] json, int padded) {
        file.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            file.put((byte) ' ');
        }
    }

    public static Contents read(byte[] file) throws SnapshotFormatException {
        if (file.length < 8) {
            throw new SnapshotFormatException("file is " + file.length + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer buf = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong(0);
        if (n < 2 || n > MAX_HEADER_BYTES || n > file.length - 8L) {
            // The length itself is not shown: it is the file's first 8 bytes, and any file may be handed to this reader.
            throw new SnapshotFormatException("the header length in the first 8 bytes does not fit a file of " + file.length
                    + " bytes: not a safetensors file, or a truncated one");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
        } catch (IOException e) {
            String key = e instanceof JsonProcessingException j ? JsonReadErrors.duplicateKey(j) : null;
            // Not the parser's message: it quotes the file, and any file may be handed to this reader.
            throw new SnapshotFormatException(key != null ? "header gives \"" + excerpt(key) + "\" twice"
                    : "header is not valid JSON: not a safetensors file");
        }
        if (header == null || !header.isObject()) {
            throw new SnapshotFormatException("header is not a JSON object");
        }
        int dataStart = 8 + (int) n;
        int dataLength = file.length - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                for (Iterator<Map.Entry<String, JsonNode>> m = f.getValue().fields(); m.hasNext();) {
                    Map.Entry<String, JsonNode> e = m.next();
                    if (!e.getValue().isTextual()) { // the format says str: str; asText() would turn {} into ""
                        throw new SnapshotFormatException(
                                "metadata " + JsonReadErrors.excerpt(e.getKey(), 40) + " is not a string");
                    }
                    metadata.put(e.getKey(), e.getValue().textValue());
                }
                continue;
            }
            tensors.put(f.getKey(), tensor(f.getKey(), f.getValue(), buf, dataStart, dataLength, ranges));
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        long expected = 0;
        for (long[] r : ranges) {
            if (r[0] != expected) {
                throw new SnapshotFormatException("tensor data is not contiguous at byte " + expected);
            }
            expected = r[1];
        }
        if (expected != dataLength) {
            throw new SnapshotFormatException(
                    "tensors cover " + expected + " bytes but the data section has " + dataLength + " (truncated?)");
        }
        return new Contents(tensors, metadata, (int) n);
    }

    /** A non-negative integer of the header, exactly (asLong() would truncate 2^64 + 2 to 2, and read 2.5 or "2" as 2). */
    private static long exact(JsonNode n, String tensor, String field) throws SnapshotFormatException {
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new SnapshotFormatException("tensor " + JsonReadErrors.excerpt(tensor, 80) + " has " + field + " entry "
                    + JsonReadErrors.excerpt(n.toString(), 40) + ", not a non-negative integer");
        }
        return n.longValue();
    }

    /** Bytes per element of each dtype read. */
    private static final Map<String, Integer> DTYPE_BYTES = Map.of("F32", 4, "F64", 8, "F16", 2, "BF16", 2, "I64", 8);

    private static Tensor tensor(String name, JsonNode e, ByteBuffer buf, int dataStart, int dataLength, List<long[]> ranges)
            throws SnapshotFormatException {
        String dtype = e.path("dtype").asText();
        Integer size = DTYPE_BYTES.get(dtype);
        if (size == null) {
            throw new SnapshotFormatException("tensor " + excerpt(name) + " has dtype " + excerpt(e.path("dtype").toString())
                    + "; supported: F32, F64, F16, BF16 (and I64 for counts)");
        }
        JsonNode shapeNode = e.path("shape");
        JsonNode offs = e.path("data_offsets");
        if (!shapeNode.isArray() || !offs.isArray() || offs.size() != 2) {
            throw new SnapshotFormatException("tensor " + excerpt(name) + " lacks a shape or data_offsets");
        }
        long[] shape = new long[shapeNode.size()];
        long bytes = size;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = exact(shapeNode.get(i), name, "shape");
            bytes = shape[i] == 0 || bytes <= Long.MAX_VALUE / shape[i] ? bytes * shape[i] : -1;
            if (bytes < 0) { // 4 * (2^62 + 1) would wrap around to 4 in plain multiplication
                throw new SnapshotFormatException(
                        "tensor " + excerpt(name) + " has a shape " + JsonReadErrors.excerpt(shapeNode.toString(), 80)
                                + " whose size overflows");
            }
        }
        long elements = bytes / size;
        long begin = exact(offs.get(0), name, "data_offsets");
        long end = exact(offs.get(1), name, "data_offsets");
        if (end > dataLength) {
            throw new SnapshotFormatException("tensor " + excerpt(name) + " ends beyond the data section of "
                    + dataLength + " bytes (truncated?)");
        }
        if (end < begin || end - begin != bytes) {
            throw new SnapshotFormatException("tensor " + excerpt(name) + " has data_offsets that do not match its shape "
                    + "and dtype or the data section of " + dataLength + " bytes");
        }
        ranges.add(new long[] {begin, end});
        ByteBuffer slice = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        slice.position(dataStart + (int) begin).limit(dataStart + (int) end);
        ByteBuffer data = slice.slice().order(ByteOrder.LITTLE_ENDIAN);
        return new Tensor(name, shape, dtype.equals("F32") ? data.asFloatBuffer() : toFloat(name, dtype, data, (int) elements),
                dtype);
    }

    /** Converts another dtype to float32: rounding to nearest, a finite value beyond float32's range refused. */
    private static FloatBuffer toFloat(String name, String dtype, ByteBuffer b, int n) throws SnapshotFormatException {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case "F64" -> {
                    double d = b.getDouble(8 * i);
                    out[i] = (float) d;
                    if (Double.isFinite(d) && Float.isInfinite(out[i])) {
                        throw new SnapshotFormatException("tensor " + excerpt(name) + " element " + i
                                + " is a float64 beyond float32's range");
                    }
                }
                case "I64" -> {
                    long v = b.getLong(8 * i);
                    out[i] = v;
                    if ((long) out[i] != v) { // beyond 2^24 a count would round silently
                        throw new SnapshotFormatException("tensor " + excerpt(name) + " element " + i
                                + " is an int64 that float32 cannot hold exactly");
                    }
                }
                case "BF16" -> out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                default -> out[i] = halfToFloat(b.getShort(2 * i) & 0xffff); // F16
            }
        }
        return FloatBuffer.wrap(out);
    }

    /** IEEE 754 binary16 to float32, exactly (every half value is a float). */
    static float halfToFloat(int h) {
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        float v;
        if (exp == 0) {
            v = mant * 0x1p-24f; // zero or subnormal
        } else if (exp == 31) {
            v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = Float.intBitsToFloat(((exp - 15 + 127) << 23) | (mant << 13));
        }
        return (h & 0x8000) != 0 ? -v : v;
    }

    /** At most 64 characters of a name read from a file. */
    static String excerpt(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
