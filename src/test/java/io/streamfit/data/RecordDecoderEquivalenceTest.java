package io.streamfit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.io.NumberInput;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The streaming JSON decoder ({@link RecordDecoder}) against the tree-based decoder it replaced
 * ({@link TreeRecordDecoder}, the old code kept verbatim as the reference): for every record both
 * must decode to bitwise the same floats, or both refuse it with the same reason and the same
 * message. Seeded: thousands of generated valid records (keys in any order, whitespace, unknown
 * keys with nested values, single and mini-batch forms, numbers of every shape) and mutations of
 * them (wrong widths, non-numbers, non-finite and out-of-range values, bad labels, duplicate keys,
 * trailing content, cut short, bytes changed). {@code -Dstreamfit.fuzz.seed=N} explores others.
 */
class RecordDecoderEquivalenceTest {
    private static final long SEED = Long.getLong("streamfit.fuzz.seed", 0x5EED_2026_1127L);

    private static ModelSpec spec(String task, int outputs) {
        return SpecParser.parse("""
                {"id":"m","topic":"t","input_width":3,"task":%s,
                 "layers":[{"type":"dense","units":%d}],"optimizer":{"type":"sgd"},"batch_size":2}""".formatted(task, outputs));
    }

    private static final List<ModelSpec> SPECS = List.of(
            spec("{\"type\":\"classification\",\"classes\":4}", 4),
            spec("{\"type\":\"regression\",\"outputs\":2}", 2),
            spec("{\"type\":\"regression\",\"outputs\":1}", 1),
            spec("{\"type\":\"binary\",\"outputs\":1}", 1));

    /** Number literals the rewrite could read differently: limits of float32, signs, long digit strings, forms. */
    private static final List<String> EDGE_NUMBERS = List.of("0", "-0", "0.0", "-0.0", "1", "-1", "0.0039", "1.0", "1e-45",
            "1.4e-45", "7e-46", "7.1e-46", "1.401298464324817e-45", "-1e-45", "3.4028235e38", "-3.4028235e38",
            "3.4028235677973366e38", "3.4028236e38", "3.4028234663852886e38", "1.1754943508222875e-38", "1e39", "-1e39",
            "1e308", "1.7976931348623157e308", "1e309", "2.4703282292062327e-324", "2.4703282292062328e-324", "4.9e-324",
            "1e-400", "16777217", "16777216.5", "9007199254740993", "9223372036854775807", "9223372036854775808",
            "-9223372036854775809", "18446744073709551619", "123456789012345678901234567890", "0.1", "0.30000000000000004",
            "1E5", "1e+5", "1E-5", "2.5e-1", "NaN", "Infinity", "-Infinity", "0." + "3".repeat(400),
            "1" + "0".repeat(38), "1" + "0".repeat(39), "3" + "4".repeat(300), "0.000" + "1".repeat(50) + "e-30");

    private static String number(SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0 -> EDGE_NUMBERS.get(r.nextInt(EDGE_NUMBERS.size()));
            case 1 -> Double.toString(Double.longBitsToDouble(r.nextLong())); // any double, NaN/Infinity spelled as Java does
            case 2 -> Float.toString(Float.intBitsToFloat(r.nextInt()));
            case 3 -> Long.toString(r.nextLong() >> r.nextInt(64));
            case 4 -> python4(r.nextInt(256)); // Python's json.dumps of round(p / 255, 4)
            case 5 -> randomDigits(r);
            case 6 ->
                String.format(Locale.ROOT, "%." + r.nextInt(20) + "e", (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(90) - 45));
            default -> Double.toString((r.nextDouble() - 0.5) * 4);
        };
    }

    /** {@code json.dumps(round(p / 255, 4))} as Python writes it: 0.0, 0.0039, ..., 1.0. */
    static String python4(int p) {
        String s = new BigDecimal(p / 255.0).setScale(4, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
        return s.contains(".") ? s : s + ".0";
    }

    private static String randomDigits(SplittableRandom r) {
        StringBuilder b = new StringBuilder(r.nextBoolean() ? "-" : "");
        int intDigits = 1 + r.nextInt(r.nextInt(10) == 0 ? 60 : 8);
        b.append(1 + r.nextInt(9));
        for (int i = 1; i < intDigits; i++) {
            b.append(r.nextInt(10));
        }
        if (r.nextBoolean()) {
            b.append('.');
            int frac = 1 + r.nextInt(r.nextInt(10) == 0 ? 120 : 12);
            for (int i = 0; i < frac; i++) {
                b.append(r.nextInt(10));
            }
        }
        if (r.nextInt(3) == 0) {
            b.append(r.nextBoolean() ? 'e' : 'E').append(r.nextBoolean() ? "-" : r.nextBoolean() ? "+" : "")
                    .append(r.nextInt(60));
        }
        return b.toString();
    }

    private static String ws(SplittableRandom r) {
        return switch (r.nextInt(6)) {
            case 0 -> " ";
            case 1 -> "\n  ";
            case 2 -> "\t";
            case 3 -> " \r\n ";
            default -> "";
        };
    }

    /** A value for an unknown key: scalars, strings (with escapes and non-ASCII), nested arrays and objects. */
    private static String junk(SplittableRandom r, int depth) {
        int kind = depth > 3 ? r.nextInt(4) : r.nextInt(6);
        return switch (kind) {
            case 0 -> number(r);
            case 1 -> "\"t\\u00e9xt \\\" é ✓ " + r.nextInt(100) + "\"";
            case 2 -> r.nextBoolean() ? "null" : r.nextBoolean() ? "true" : "false";
            case 3 -> "[]";
            case 4 -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0, n = r.nextInt(4); i < n; i++) {
                    b.append(i == 0 ? "" : "," + ws(r)).append(junk(r, depth + 1));
                }
                yield b.append(']').toString();
            }
            default -> {
                StringBuilder b = new StringBuilder("{");
                for (int i = 0, n = r.nextInt(4); i < n; i++) {
                    b.append(i == 0 ? "" : ",").append(ws(r)).append("\"k").append(i).append("\":").append(ws(r))
                            .append(junk(r, depth + 1));
                }
                yield b.append('}').toString();
            }
        };
    }

    /** An element of x: mostly a number, sometimes something else. */
    private static String element(SplittableRandom r, int badness) {
        if (r.nextInt(100) < badness) {
            return r.nextBoolean() ? junk(r, 2) : number(r);
        }
        return r.nextInt(4) == 0 ? number(r) : python4(r.nextInt(256));
    }

    private static String row(SplittableRandom r, int width, int badness) {
        int w = r.nextInt(100) < badness ? r.nextInt(width + 3) : width;
        StringBuilder b = new StringBuilder("[");
        for (int j = 0; j < w; j++) {
            b.append(j == 0 ? ws(r) : "," + ws(r)).append(element(r, badness));
        }
        return b.append(ws(r)).append(']').toString();
    }

    private static String label(SplittableRandom r, ModelSpec spec, int badness) {
        if (r.nextInt(100) < badness) {
            return r.nextBoolean() ? junk(r, 2) : number(r);
        }
        return switch (spec.task().type()) {
            case CLASSIFICATION -> Integer.toString(r.nextInt(spec.task().width()));
            case BINARY -> r.nextBoolean() ? "1" : "0.25";
            case REGRESSION -> spec.task().width() == 1 && r.nextBoolean() ? number(r)
                    : "[" + number(r) + ("," + ws(r) + number(r)).repeat(spec.task().width() - 1) + "]";
        };
    }

    /** A record for {@code spec}: valid when {@code badness} is 0, otherwise with problems of that frequency (percent). */
    static String record(SplittableRandom r, ModelSpec spec, int badness) {
        boolean batch = r.nextBoolean();
        int rows = batch ? (r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(5)) : 1;
        String x;
        String y;
        if (batch) {
            StringBuilder xb = new StringBuilder("[");
            StringBuilder yb = new StringBuilder("[");
            for (int i = 0; i < rows; i++) {
                xb.append(i == 0 ? ws(r) : "," + ws(r))
                        .append(r.nextInt(100) < badness / 4 ? element(r, 100) : row(r, 3, badness));
                yb.append(i == 0 ? "" : "," + ws(r)).append(label(r, spec, badness));
            }
            if (r.nextInt(100) < badness) {
                yb.append(",").append(label(r, spec, 0));
            }
            x = xb.append(ws(r)).append(']').toString();
            y = yb.append(']').toString();
        } else {
            x = row(r, 3, badness);
            y = label(r, spec, badness);
        }
        List<String> fields = new ArrayList<>();
        if (r.nextInt(100) >= badness / 3) {
            fields.add("\"x\":" + ws(r) + (r.nextInt(200) < badness ? junk(r, 1) : x));
        }
        if (r.nextInt(100) >= badness / 3) {
            fields.add("\"y\":" + ws(r) + y);
        }
        for (int i = 0, n = r.nextInt(3); i < n; i++) {
            fields.add("\"meta" + i + "\":" + ws(r) + junk(r, 0));
        }
        if (r.nextInt(100) < badness / 5) {
            fields.add(fields.isEmpty() ? "\"y\":1" : fields.get(r.nextInt(fields.size()))); // a key given twice
        }
        Collections.shuffle(fields, new Random(r.nextLong()));
        StringBuilder b = new StringBuilder(ws(r)).append('{');
        for (int i = 0; i < fields.size(); i++) {
            b.append(i == 0 ? ws(r) : "," + ws(r)).append(fields.get(i));
        }
        b.append(ws(r)).append('}').append(ws(r));
        if (r.nextInt(100) < badness / 5) {
            b.append(r.nextBoolean() ? "{}" : "x");
        }
        return b.toString();
    }

    /** The outcome of one decoder: its examples, bitwise, or its reason and message. */
    private static String outcome(byte[] value, Decoder d) {
        try {
            Examples e = d.decode(value);
            StringBuilder b = new StringBuilder("ok ").append(e.count()).append('x').append(e.width()).append('/')
                    .append(e.targetWidth());
            for (float v : e.x()) {
                b.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(v)));
            }
            b.append(" |");
            for (float v : e.y()) {
                b.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(v)));
            }
            return b.toString();
        } catch (RejectedRecordException e) {
            return e.reason().label() + ": " + e.getMessage();
        }
    }

    private interface Decoder {
        Examples decode(byte[] value) throws RejectedRecordException;
    }

    private static void assertSame(ModelSpec spec, byte[] value, String about) {
        String expected = outcome(value, new TreeRecordDecoder(spec)::decode);
        String actual = outcome(value, new RecordDecoder(spec)::decode);
        assertEquals(expected, actual,
                () -> about + " (seed " + SEED + "), record: " + new String(value, StandardCharsets.UTF_8));
    }

    private static byte[] mutate(SplittableRandom r, byte[] v) {
        byte[] m = v.clone();
        switch (r.nextInt(3)) {
            case 0 -> m[r.nextInt(m.length)] = (byte) r.nextInt(256);
            case 1 -> m[r.nextInt(m.length)] = (byte) "{}[],:\"0-e.NI \\".charAt(r.nextInt(15));
            default -> m = Arrays.copyOf(m, r.nextInt(m.length));
        }
        return m;
    }

    @Test
    void validRecordsDecodeBitwiseAsTheTreeDecoderDid() {
        int ok = 0;
        for (int i = 0; i < 4000; i++) {
            SplittableRandom r = new SplittableRandom(SEED + 31L * i);
            ModelSpec spec = SPECS.get(i % SPECS.size());
            byte[] value = record(r, spec, 0).getBytes(StandardCharsets.UTF_8);
            assertSame(spec, value, "valid case " + i);
            ok += outcome(value, new RecordDecoder(spec)::decode).startsWith("ok ") ? 1 : 0;
        }
        assertTrue(ok > 2000, "most generated valid records decode (some numbers are out of range on purpose): " + ok);
    }

    @Test
    void invalidRecordsAreRefusedWithTheSameReasonAndMessage() {
        Map<String, Integer> reasons = new TreeMap<>();
        for (int i = 0; i < 6000; i++) {
            SplittableRandom r = new SplittableRandom(SEED + 17L * i + 1);
            ModelSpec spec = SPECS.get(i % SPECS.size());
            byte[] value = record(r, spec, 5 + r.nextInt(40)).getBytes(StandardCharsets.UTF_8);
            if (i % 3 == 0 && value.length > 0) {
                value = mutate(r, value);
            }
            assertSame(spec, value, "invalid case " + i);
            String o = outcome(value, new RecordDecoder(spec)::decode);
            reasons.merge(o.substring(0, o.indexOf(o.startsWith("ok ") ? ' ' : ':')), 1, Integer::sum);
        }
        // the generator reaches every verdict, so the comparison covers each of them
        for (String reason : List.of("ok", "decode_error", "wrong_width", "non_finite", "bad_label")) {
            assertTrue(reasons.getOrDefault(reason, 0) > 50, "verdict " + reason + " too rare: " + reasons);
        }
    }

    /** The cases the brief names, each against the reference and with the expected value. */
    @Test
    void namedCasesMatchTheReferenceAndTheExpectedFloats() throws Exception {
        ModelSpec cls = SPECS.get(0);
        String[] records = {
                "{\"y\": 2, \"x\": [1, 2, 3]}", // y before x
                " \n\t{ \"x\" :\n[ 1 ,\t2 ,3 ] ,\r\n \"y\" : 2 }\n ", // whitespace everywhere
                "{\"meta\": {\"a\": [1, {\"b\": [[], {}]}], \"s\": \"é\\n\"}, \"x\": [1, 2, 3], \"tags\": [\"x\", \"y\"], \"y\": 2}",
                "{\"x\": [[1, 2, 3], [1, 2], [1, 2, 3]], \"y\": [0, 1, 2]}", // rows of unequal width
                "{\"x\": [[1, 2, 3], [1, 2, 3, 4], [1, 2]], \"y\": [0, 1, 2]}",
                "{\"x\": [[1, 2, 3], 7, [1, 2, 3]], \"y\": [0, 1, 2]}",
                "{\"x\": [[1, 2, 3], [1, \"2\", 1e39]], \"y\": [0, 9]}", // row 1's x comes before row 1's label
                "{\"x\": [[1, 2, 3], [1, 2, 3]], \"y\": [7, 1]}", // row 0's label comes before row 1's x
                "{\"x\": [1e-45, -0.0, 3.4028235e38], \"y\": 0}",
                "{\"x\": [0." + "0".repeat(44) + "1401298464324817, " + "1".repeat(38) + ", -0." + "9".repeat(300)
                        + "], \"y\": 0}",
        };
        for (String record : records) {
            assertSame(cls, record.getBytes(StandardCharsets.UTF_8), record);
        }
        Examples e = new RecordDecoder(cls).decode(records[8].getBytes(StandardCharsets.UTF_8));
        assertEquals(Float.floatToRawIntBits(Float.MIN_VALUE), Float.floatToRawIntBits(e.x()[0]));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(e.x()[1]));
        assertEquals(Float.MAX_VALUE, e.x()[2]);
        assertArrayEquals(new float[] {1, 2, 3}, new RecordDecoder(cls).decode(records[2].getBytes(StandardCharsets.UTF_8)).x());
        RejectedRecordException unequal = Assertions.assertThrows(RejectedRecordException.class,
                () -> new RecordDecoder(cls).decode(records[3].getBytes(StandardCharsets.UTF_8)));
        assertEquals("x[1] has width 2, the model expects 3", unequal.getMessage());
        RejectedRecordException order = Assertions.assertThrows(RejectedRecordException.class,
                () -> new RecordDecoder(cls).decode(records[7].getBytes(StandardCharsets.UTF_8)));
        assertEquals(RejectedRecordException.Reason.BAD_LABEL, order.reason());
    }

    /** Strings are skipped by the streaming decoder but were decoded by the tree: broken UTF-8 must be found the same way. */
    @Test
    void brokenUtf8InSkippedStringsIsFoundAsBefore() {
        int[][] broken = {{0xC3, 0x28}, {0xE2, 0x82}, {0xC0, 0xAF}, {0xED, 0xA0, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0x80},
                {0xF8, 0x88, 0x80, 0x80, 0x80}, {0x01}, {0xFF}, {0xE2, 0x28, 0xA1}, {0xF0, 0x28, 0x8C, 0x28}};
        String[] places = {"{\"x\": [1, \"%s\", 3], \"y\": 1}", "{\"x\": [[1, 2, 3], \"%s\"], \"y\": [1, 1]}",
                "{\"m\": \"%s\", \"x\": [1, 2, 3], \"y\": 1}", "{\"x\": [1, 2, 3], \"m\": [{\"k\": [\"%s\"]}], \"y\": 1}",
                "{\"x\": [1, 2, 3], \"y\": \"%s\"}", "{\"x\": [[1, 2, 3], [1, [\"%s\"], 3]], \"y\": [1, 1]}"};
        for (String place : places) {
            for (int[] bytes : broken) {
                String[] parts = place.split("%s");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(parts[0].getBytes(StandardCharsets.UTF_8));
                for (int b : bytes) {
                    out.write(b);
                }
                out.writeBytes(parts[1].getBytes(StandardCharsets.UTF_8));
                assertSame(SPECS.get(0), out.toByteArray(), place + " with bytes " + Arrays.toString(bytes));
            }
        }
    }

    /** A mini-batch as large as the service's benchmark sends (64 rows of 784), the buffer grown and trimmed right. */
    @Test
    void largeMiniBatchesDecodeBitwise() {
        ModelSpec wide = SpecParser.parse("""
                {"id":"m","topic":"t","input_width":784,"task":{"type":"classification","classes":10},
                 "layers":[{"type":"dense","units":10}],"optimizer":{"type":"sgd"},"batch_size":2}""");
        SplittableRandom r = new SplittableRandom(SEED);
        for (int rows : new int[] {1, 2, 3, 63, 64, 65, 200}) {
            StringBuilder b = new StringBuilder("{\"x\": [");
            StringBuilder y = new StringBuilder();
            for (int i = 0; i < rows; i++) {
                b.append(i == 0 ? "[" : ", [");
                // rows of very different lengths in bytes, so the estimate from row 0 misses both ways
                boolean zeros = r.nextInt(3) == 0;
                for (int j = 0; j < 784; j++) {
                    b.append(j == 0 ? "" : ", ").append(zeros ? "0.0" : python4(r.nextInt(256)));
                }
                b.append(']');
                y.append(i == 0 ? "" : ", ").append(r.nextInt(10));
            }
            byte[] value = b.append("], \"y\": [").append(y).append("]}").toString().getBytes(StandardCharsets.UTF_8);
            assertSame(wide, value, rows + " rows");
        }
    }

    /**
     * Jackson's fast double parser against the JDK's, on the shapes records hold: the narrowed
     * float must be bitwise the same (it is what the model trains on), and so is the double here.
     */
    @Test
    void theFastDoubleParserReadsEveryNumberAsTheJdkDoes() {
        SplittableRandom r = new SplittableRandom(SEED);
        for (int i = 0; i < 100_000; i++) {
            String s = i < EDGE_NUMBERS.size() ? EDGE_NUMBERS.get(i) : number(r);
            if (s.equals("NaN") || s.contains("Infinity")) {
                continue;
            }
            double jdk = Double.parseDouble(s);
            double fast = NumberInput.parseDouble(s, true);
            assertEquals(Double.doubleToRawLongBits(jdk), Double.doubleToRawLongBits(fast), s);
            assertEquals(Float.floatToRawIntBits((float) jdk), Float.floatToRawIntBits((float) fast), s);
        }
    }
}
