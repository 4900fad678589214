package io.streamfit.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A PyTorch {@code state_dict} in safetensors initializes a model by tensor name, with every
 * mismatch named; any file handed to the reader fails without its content in the message.
 */
class StateDictLoaderTest {
    static final ModelSpec SPEC = SpecParser.parse("""
            id: sd
            topic: t
            input_width: 3
            task: {type: classification, classes: 2}
            layers: [{type: dense, units: 4}, {type: batch_norm}, {type: relu}, {type: dense, units: 2}]
            optimizer: {type: adam, lr: 0.01}
            batch_size: 4
            """);

    /** One tensor of a hand-written file: dtype, shape, and its little-endian bytes. */
    record T(String dtype, long[] shape, byte[] bytes) {}

    static T f32(long[] shape, float fill) {
        return floats("F32", shape, fill);
    }

    static T f64(long[] shape, double fill) {
        return floats("F64", shape, fill);
    }

    /** Elements fill, fill + 1, ... as F32 or F64. */
    private static T floats(String dtype, long[] shape, double fill) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        int size = dtype.equals("F32") ? 4 : 8;
        ByteBuffer b = ByteBuffer.allocate(size * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            if (size == 4) {
                b.putFloat((float) fill + i);
            } else {
                b.putDouble(fill + i);
            }
        }
        return new T(dtype, shape, b.array());
    }

    static T i64(long value) {
        return new T("I64", new long[0], ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    /** A safetensors file as PyTorch would write it (metadata {"format": "pt"}). */
    static byte[] file(Map<String, T> tensors) {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, T> e : tensors.entrySet()) {
            h.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"").append(e.getValue().dtype()).append("\",\"shape\":")
                    .append(Arrays.toString(e.getValue().shape()).replace(" ", "")).append(",\"data_offsets\":[")
                    .append(body.size()).append(",").append(body.size() + e.getValue().bytes().length).append("]}");
            body.writeBytes(e.getValue().bytes());
        }
        byte[] header = h.append("}").toString().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + header.length + body.size()).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length)
                .put(header).put(body.toByteArray()).array();
    }

    static Map<String, T> complete() {
        Map<String, T> t = new LinkedHashMap<>();
        t.put("0.weight", f32(new long[] {4, 3}, 0.5f));
        t.put("0.bias", f64(new long[] {4}, -1.25));
        t.put("1.weight", f32(new long[] {4}, 1));
        t.put("1.bias", f32(new long[] {4}, 0));
        t.put("1.running_mean", f32(new long[] {4}, 0.25f));
        t.put("1.running_var", f32(new long[] {4}, 2));
        t.put("1.num_batches_tracked", i64(7));
        t.put("3.weight", f32(new long[] {2, 4}, -0.5f));
        t.put("3.bias", f32(new long[] {2}, 0.125f));
        return t;
    }

    private static String refusal(Map<String, T> tensors, boolean strict) {
        return assertThrows(SnapshotFormatException.class,
                () -> SnapshotCodec.initializeFrom(file(tensors), ModelState.fresh(SPEC), strict, true)).getMessage();
    }

    @Test
    void aCompleteStateDictLoadsParametersAndBuffersAndLeavesTheOptimizerFresh() throws Exception {
        ModelState s = ModelState.fresh(SPEC);
        List<String> loaded = SnapshotCodec.initializeFrom(file(complete()), s, true, true);
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias", "1.running_mean", "1.running_var",
                "1.num_batches_tracked"), loaded);
        assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 7.5f, 8.5f, 9.5f, 10.5f, 11.5f},
                s.network().tensors().get(0).value().dup().data().asFloat());
        assertArrayEquals(new float[] {-1.25f, -0.25f, 0.75f, 1.75f}, s.network().tensors().get(1).value().dup().data().asFloat(),
                "float64 converted");
        assertArrayEquals(new float[] {0.25f, 1.25f, 2.25f, 3.25f, 2, 3, 4, 5, 7}, s.network().buffers().toFloatVector(),
                "running statistics and the int64 count");
        assertEquals(0, s.steps());
        for (String name : s.optimizer().stateNames()) {
            for (float v : s.optimizer().state(name)) {
                assertEquals(0f, v, "optimizer state " + name + " is fresh");
            }
        }
    }

    @Test
    void mismatchesAreNamedWithTheExpectedAndTheFoundShape() {
        Map<String, T> t = complete();
        t.put("0.weight", f32(new long[] {3, 4}, 0));
        assertEquals("tensor 0.weight: expected shape [4, 3], found [3, 4]", refusal(t, true));
        assertEquals("tensor 0.weight: expected shape [4, 3], found [3, 4]", refusal(t, false),
                "shapes are checked in either mode");

        t = complete();
        t.remove("3.bias");
        t.remove("1.running_var");
        t.put("4.weight", f32(new long[] {1}, 0));
        assertEquals("the state_dict does not match this model (strict): missing tensors [3.bias, 1.running_var]; "
                + "unexpected tensors [4.weight] (set pretrained.strict: false to load the tensors that match and initialize "
                + "the rest from the spec)", refusal(t, true));
        t = complete();
        t.put("0.weight", i64(3));
        assertEquals("tensor 0.weight has dtype I64; expected a floating-point dtype (F32, F64, F16 or BF16)", refusal(t, true));
        t = complete();
        t.put("0.bias", f64(new long[] {4}, 1e300));
        assertEquals("tensor 0.bias element 0 is a float64 beyond float32's range", refusal(t, true));
        t = complete();
        t.put("1.num_batches_tracked", i64((1L << 24) + 1));
        assertEquals("tensor 1.num_batches_tracked element 0 is an int64 that float32 cannot hold exactly", refusal(t, true));
        t = complete();
        t.put("3.bias", f32(new long[] {2}, Float.NaN));
        assertEquals("tensor 3.bias has a non-finite value at element 0", refusal(t, true));
        assertEquals(
                "no tensor of the state_dict matches this model's tensor names [0.weight, 0.bias, 1.weight, 1.bias, 3.weight, "
                        + "3.bias, 1.running_mean, 1.running_var, 1.num_batches_tracked]: the architectures differ",
                refusal(Map.of("other", f32(new long[] {1}, 0)), false));
    }

    @Test
    void withoutStrictTheMatchingTensorsLoadAndTheRestKeepTheSpecsInitialization() throws Exception {
        Map<String, T> t = complete();
        t.remove("3.weight");
        t.put("head.weight", f32(new long[] {2}, 0));
        ModelState s = ModelState.fresh(SPEC);
        List<String> loaded = SnapshotCodec.initializeFrom(file(t), s, false, true);
        assertFalse(loaded.contains("3.weight"));
        assertEquals(ModelState.fresh(SPEC).network().tensors().get(4).value(), s.network().tensors().get(4).value(),
                "3.weight from the spec's seed");
    }

    /** Before: "header length 8241996244197635954 does not fit a file of ... bytes", the first 8 bytes of the file as a number. */
    @Test
    void anyOtherFileFailsWithoutItsContentInTheMessage() throws Exception {
        byte[] passwd = Files.exists(Path.of("/etc/passwd")) ? Files.readAllBytes(Path.of("/etc/passwd"))
                : "root:x:0:0:root:/root:/bin/bash\n".getBytes(StandardCharsets.UTF_8);
        long first8 = ByteBuffer.wrap(passwd).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String m = assertThrows(SnapshotFormatException.class,
                () -> SnapshotCodec.initializeFrom(passwd, ModelState.fresh(SPEC), true, false)).getMessage();
        assertEquals("the header length in the first 8 bytes does not fit a file of " + passwd.length
                + " bytes: not a safetensors file, or a truncated one", m);
        assertFalse(m.contains(Long.toString(first8)));
        // A header length that fits, followed by text that is not JSON: the parser's message (which quotes it) is not shown.
        byte[] text = "{\"__metadata__\": root:x:0:0:secret}".getBytes(StandardCharsets.UTF_8);
        byte[] fake = ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN).putLong(text.length).put(text).array();
        m = assertThrows(SnapshotFormatException.class,
                () -> SnapshotCodec.initializeFrom(fake, ModelState.fresh(SPEC), true, false))
                .getMessage();
        assertEquals("header is not valid JSON: not a safetensors file", m);
        assertTrue(!m.contains("root") && !m.contains("secret"), m);
    }
}
