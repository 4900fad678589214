package io.streamfit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of everything that parses untrusted bytes: record decoders (JSON and binary),
 * the spec parser and the snapshot decoder; about 9,000 cases a run. For random and mutated
 * inputs the only outcomes allowed are a decoded value that satisfies the decoder's contract or
 * that decoder's own rejection with a reason; any other exception (a crash in the training loop)
 * or an allocation beyond the input's size fails. Inputs that must be refused (duplicate keys,
 * integers beyond a long, numbers beyond float32 or double) must be refused for the right reason.
 *
 * <p>Every case draws from its own {@link SplittableRandom} seeded by the property's seed and the
 * case index, so a failure is reproducible alone. A failing byte or text input is shrunk (chunks
 * removed while it still fails) and reported with the seed, the case index and the minimal input.
 * {@code -Dstreamfit.fuzz.seed=N} explores other seeds.
 */
class FuzzTest {
    private static final ModelSpec CLASSES = SpecParser.parse("""
            id: fuzz
            topic: t
            input_width: 3
            task: {type: classification, classes: 4}
            layers: [{type: dense, units: 4}]
            optimizer: {type: sgd, lr: 0.1}
            batch_size: 2
            """);
    private static final ModelSpec REGRESSION = SpecParser.parse(SpecParser.toJson(CLASSES)
            .replace("{\"type\":\"classification\",\"classes\":4}", "{\"type\":\"regression\",\"outputs\":2}")
            .replace("\"units\":4", "\"units\":2"));
    private static final byte[] VALID_JSON = "{\"x\": [[0.5, -1, 2], [1, 2, 3]], \"y\": [3, 0]}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VALID_BINARY = RecordDecoder.encodeBinary(2, 3, new float[] {1, 2, 3, 4, 5, 6}, new int[] {1, 3},
            null, 1);

    // ---------------------------------------------------------------- the runner

    private static final long BASE_SEED = Long.getLong("streamfit.fuzz.seed", 0x5EED_2026_1127L);

    /** An input generator drawing from the case's own random source. */
    private interface Gen<T> {
        T next(SplittableRandom r);
    }

    /** A property of one input: returns normally when it holds. */
    private interface Check<T> {
        void check(T input) throws Exception;
    }

    /** Smaller variants of an input to try while shrinking (none: the input is reported as is). */
    private interface Shrinker<T> {
        List<T> smaller(T input);
    }

    /**
     * Runs {@code cases} inputs of {@code gen} through {@code check}; on the first failure shrinks
     * the input and fails with the seed, the case index and the minimal input.
     */
    private static <T> void forAll(String property, int cases, Gen<T> gen, Shrinker<T> shrinker, Check<T> check) {
        long seed = BASE_SEED ^ property.hashCode();
        for (int i = 0; i < cases; i++) {
            T input = gen.next(new SplittableRandom(seed + 0x9E3779B97F4A7C15L * i));
            Throwable failure = failureOf(check, input);
            if (failure != null) {
                T minimal = shrink(input, shrinker, check);
                throw new AssertionError(property + " failed at case " + i + " of seed " + seed
                        + " (rerun: -Dstreamfit.fuzz.seed="
                        + BASE_SEED + "); minimal input: " + show(minimal) + "; failure on it: " + failureOf(check, minimal)
                        + "; original input: " + show(input), failure);
            }
        }
    }

    private static <T> Throwable failureOf(Check<T> check, T input) {
        try {
            check.check(input);
            return null;
        } catch (Throwable t) { // anything: an unexpected exception is the finding
            return t;
        }
    }

    /** Greedy shrinking: take the first smaller variant that still fails, until none does (bounded work). */
    private static <T> T shrink(T input, Shrinker<T> shrinker, Check<T> check) {
        T current = input;
        int budget = 5_000;
        boolean progress = true;
        while (progress && budget > 0) {
            progress = false;
            for (T candidate : shrinker.smaller(current)) {
                if (--budget < 0) {
                    break;
                }
                if (failureOf(check, candidate) != null) {
                    current = candidate;
                    progress = true;
                    break;
                }
            }
        }
        return current;
    }

    /** Byte arrays without one chunk: halves first, then quarters, down to single bytes. */
    static final Shrinker<byte[]> BYTES = input -> {
        List<byte[]> out = new ArrayList<>();
        for (int chunk = Math.max(1, input.length / 2); chunk >= 1; chunk /= 2) {
            for (int at = 0; at + chunk <= input.length; at += chunk) {
                byte[] smaller = new byte[input.length - chunk];
                System.arraycopy(input, 0, smaller, 0, at);
                System.arraycopy(input, at + chunk, smaller, at, input.length - at - chunk);
                out.add(smaller);
            }
            if (chunk == 1) {
                break;
            }
        }
        return out;
    };

    /** Strings shrink as their characters do. */
    static final Shrinker<String> TEXT = input -> {
        List<String> out = new ArrayList<>();
        for (int chunk = Math.max(1, input.length() / 2); chunk >= 1; chunk /= 2) {
            for (int at = 0; at + chunk <= input.length(); at += chunk) {
                out.add(input.substring(0, at) + input.substring(at + chunk));
            }
            if (chunk == 1) {
                break;
            }
        }
        return out;
    };

    /** For structured inputs that must be refused: a shrunk copy would lose the structure, so none is tried. */
    static <T> Shrinker<T> none() {
        return input -> List.of();
    }

    /** Printable ASCII as is, anything else escaped; long inputs cut with their length. */
    private static String show(Object input) {
        String s = input instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(input);
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < Math.min(s.length(), 2_000); i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7f && c != '\\' ? String.valueOf(c) : String.format("\\x%02x", (int) c & 0xffff));
        }
        return out.append(s.length() > 2_000 ? "\"... (" + s.length() + " in all)" : "\"").toString();
    }

    // ---------------------------------------------------------------- generators

    private static byte[] randomBytes(SplittableRandom r, int maxSize) {
        byte[] b = new byte[r.nextInt(maxSize + 1)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    /** A valid input with 1-4 random byte edits (replace, insert, delete). */
    private static byte[] mutated(SplittableRandom r, byte[] valid) {
        byte[] v = valid.clone();
        for (int edits = 1 + r.nextInt(4); edits > 0; edits--) {
            int kind = r.nextInt(3);
            int at = Math.min(r.nextInt(valid.length + 9), v.length);
            byte b = (byte) r.nextInt(256);
            if (kind == 0 && at < v.length) {
                v[at] = b;
            } else if (kind == 1) {
                byte[] w = new byte[v.length + 1];
                System.arraycopy(v, 0, w, 0, at);
                w[at] = b;
                System.arraycopy(v, at, w, at + 1, v.length - at);
                v = w;
            } else if (at < v.length) {
                byte[] w = new byte[v.length - 1];
                System.arraycopy(v, 0, w, 0, at);
                System.arraycopy(v, at + 1, w, at, v.length - at - 1);
                v = w;
            }
        }
        return v;
    }

    private static <T> T pick(SplittableRandom r, List<T> options) {
        return options.get(r.nextInt(options.size()));
    }

    private static String list(SplittableRandom r, int max, Gen<String> element) {
        StringBuilder b = new StringBuilder("[");
        for (int n = r.nextInt(max + 1), i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(element.next(r));
        }
        return b.append(']').toString();
    }

    private static final List<String> NUMBERS = List.of("0", "1", "-1", "3", "4", "2.5", "1e309", "-1e309", "NaN", "Infinity",
            "-Infinity", "1e-400", "99999999999999999999", "\"1\"", "null", "true", "[]", "{}", "3.5e38", "-1e39",
            "18446744073709551619", "-18446744073709551613");

    /** Records built from JSON pieces: right and wrong types, huge and special numbers, wrong shapes. */
    private static String jsonish(SplittableRandom r) {
        Gen<String> number = g -> pick(g, NUMBERS);
        Gen<String> row = g -> list(g, 5, number);
        String x = switch (r.nextInt(3)) {
            case 0 -> row.next(r);
            case 1 -> list(r, 4, row);
            default -> number.next(r);
        };
        String y = switch (r.nextInt(3)) {
            case 0 -> number.next(r);
            case 1 -> row.next(r);
            default -> list(r, 3, row);
        };
        return "{\"x\": " + x + ", \"y\": " + y + pick(r, List.of("", ", \"extra\": 1", ", \"x\": [1,2,3]")) + "}";
    }

    private static final String SPEC = """
            id: fuzzed
            topic: t.in
            input_width: 6
            input_shape: [2, 3, 1]
            task: {type: classification, classes: 3}
            layers:
              - {type: standardize}
              - {type: dense, units: 16, weight_init: {type: kaiming_uniform, nonlinearity: relu}}
              - type: residual
                layers: [{type: layer_norm}, {type: dense, units: 16}, {type: dropout, p: 0.1}]
              - {type: batch_norm, momentum: 0.1}
              - {type: relu}
              - {type: dense, units: 3}
            loss: {type: softmax_cross_entropy, label_smoothing: 0.1}
            optimizer: {type: adamw, lr: 0.001, betas: [0.9, 0.999], weight_decay: 0.01}
            schedule: {type: cosine, T_max: 1000, warmup: {steps: 10}}
            gradient_clipping: {max_norm: 1.0}
            regularization: {l2: 0.0001, exclude: [bias]}
            augmentation: {mixup: {alpha: 0.2}, shift: 1, horizontal_flip: true}
            early_stopping: {holdout_every: 10, patience: 3}
            divergence: {max_bad_steps: 5}
            batch_size: 32
            seed: 1
            """;
    private static final String SPEC_JSON = SpecParser.toJson(SpecParser.parse(SPEC));
    private static final List<String> ABSURD = List.of("1000000000", "-1", "0", "1e308", "-1e308", ".nan", ".inf", "\"x\"", "[]",
            "{}", "null", "true", "[1, 2]", "{type: residual, layers: []}", "99999999999999999999999", "0.0000001", "1e400",
            "18446744073709551622", "*alias", "&anchor 3");

    /** The full-featured spec with a value replaced by an absurd or wrong one, a line dropped, cut short, or bytes edited. */
    private static String mutatedSpec(SplittableRandom r) {
        String[] lines = SPEC.split("\n");
        return switch (r.nextInt(4)) {
            case 0 -> {
                String[] l = lines.clone();
                int i = r.nextInt(l.length);
                l[i] = l[i].replaceFirst(":\\s*[^,}\\]]+", ": " + Matcher.quoteReplacement(pick(r, ABSURD)));
                yield String.join("\n", l);
            }
            case 1 -> {
                int drop = r.nextInt(lines.length);
                StringBuilder b = new StringBuilder();
                for (int k = 0; k < lines.length; k++) {
                    if (k != drop) {
                        b.append(lines[k]).append('\n');
                    }
                }
                yield b.toString();
            }
            case 2 -> SPEC.substring(0, r.nextInt(SPEC.length() + 1));
            default -> new String(mutated(r, SPEC.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        };
    }

    // ---------------------------------------------------------------- properties: records

    /** Decodes with both decoders; returns normally only for a record that obeys the contract. */
    private static void decodeOrReject(byte[] value) {
        for (ModelSpec spec : new ModelSpec[] {CLASSES, REGRESSION}) {
            try {
                Examples ex = new RecordDecoder(spec).decode(value);
                assertTrue(ex.count() >= 1 && ex.count() <= RecordDecoder.MAX_EXAMPLES_PER_RECORD, "count " + ex.count());
                assertEquals(3, ex.width());
                assertEquals(ex.count() * 3, ex.x().length);
                assertEquals(ex.count() * ex.targetWidth(), ex.y().length);
                for (float v : ex.x()) {
                    assertTrue(Float.isFinite(v), "a non-finite input passed");
                }
                for (float v : ex.y()) {
                    assertTrue(Float.isFinite(v), "a non-finite target passed");
                    if (spec == CLASSES) {
                        assertTrue(v >= 0 && v < 4 && v == Math.rint(v), "class " + v + " out of range");
                    }
                }
                assertTrue(4L * (ex.x().length + ex.y().length) <= 8L * value.length + 64,
                        "decoded " + ex.x().length + " values from " + value.length + " bytes");
            } catch (RejectedRecordException e) {
                assertNotNull(e.reason());
                assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "a rejection says why");
                assertFalse(e.getMessage().contains("StreamReadConstraints"), e.getMessage());
                assertTrue(e.getMessage().length() < 400, "a rejection echoes too much: " + e.getMessage().length());
            }
        }
    }

    @Test
    void randomBytesAreDecodedOrRejected() {
        forAll("random bytes", 2000, r -> randomBytes(r, 300), BYTES, FuzzTest::decodeOrReject);
    }

    @Test
    void mutatedJsonRecordsAreDecodedOrRejected() {
        forAll("mutated JSON record", 2000, r -> mutated(r, VALID_JSON), BYTES, FuzzTest::decodeOrReject);
    }

    @Test
    void mutatedBinaryRecordsAreDecodedOrRejected() {
        forAll("mutated binary record", 2000, r -> mutated(r, VALID_BINARY), BYTES, FuzzTest::decodeOrReject);
    }

    @Test
    void jsonOfRandomStructureIsDecodedOrRejected() {
        forAll("JSON of random structure", 300, FuzzTest::jsonish, TEXT, t -> decodeOrReject(t.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void deeplyNestedJsonIsRejectedNotAStackOverflow() {
        forAll("deeply nested record", 20, r -> 500 + r.nextInt(200_000 - 500 + 1), none(), depth -> {
            String nested = "{\"x\": " + "[".repeat(depth) + "1" + "]".repeat(depth) + ", \"y\": 0}";
            decodeOrReject(nested.getBytes(StandardCharsets.UTF_8));
            String objects = "{\"x\": [1,2,3], \"y\": 0, \"z\": " + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}";
            decodeOrReject(objects.getBytes(StandardCharsets.UTF_8));
        });
    }

    private static RejectedRecordException rejection(byte[] value) {
        return assertThrows(RejectedRecordException.class, () -> new RecordDecoder(CLASSES).decode(value));
    }

    /** A generated input and what it is about (the key given twice), shown as the input. */
    private record Case(String about, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** Issue 12, item 4: a key given twice, at the top or nested, with any value, is a decode_error naming it. */
    @Test
    void recordsWithADuplicateKeyAreRefusedNamingIt() {
        forAll("record with a duplicate key", 300, r -> {
            String v = pick(r, NUMBERS);
            String w = pick(r, NUMBERS);
            return switch (r.nextInt(4)) {
                case 0 -> new Case("x", "{\"x\": [1, 2, 3], \"y\": 1, \"x\": " + v + "}");
                case 1 -> new Case("y", "{\"y\": " + v + ", \"x\": [1, 2, 3], \"y\": " + w + "}");
                case 2 -> new Case("w", "{\"x\": [1, 2, 3], \"w\": " + v + ", \"y\": 1, \"w\": " + w + "}");
                default -> new Case("meta.k", "{\"x\": [1, 2, 3], \"y\": 1, \"meta\": {\"k\": " + v + ", \"k\": " + w + "}}");
            };
        }, none(), c -> {
            RejectedRecordException e = rejection(c.text().getBytes(StandardCharsets.UTF_8));
            assertEquals(RejectedRecordException.Reason.DECODE_ERROR, e.reason(), e.getMessage());
            assertEquals("key \"" + c.about() + "\" is given twice: each key may appear once", e.getMessage());
        });
    }

    /** Item 1: a label beyond a long (any residue mod 2^64, so truncation would give a valid class) is a bad_label. */
    @Test
    void hugeIntegerLabelsAreBadLabels() {
        forAll("huge integer label", 300, r -> {
            BigInteger label = BigInteger.valueOf(r.nextInt(4)).add(BigInteger.ONE.shiftLeft(64 + r.nextInt(200))
                    .multiply(BigInteger.valueOf(1 + r.nextInt(1000))));
            label = r.nextBoolean() ? label : label.negate();
            return r.nextBoolean() ? "{\"x\": [1, 2, 3], \"y\": " + label + "}"
                    : "{\"x\": [[1, 2, 3], [4, 5, 6]], \"y\": [1, " + label + "]}";
        }, none(), text -> {
            RejectedRecordException e = rejection(text.getBytes(StandardCharsets.UTF_8));
            assertEquals(RejectedRecordException.Reason.BAD_LABEL, e.reason(), e.getMessage());
        });
    }

    /** Item 1: a value finite as a double but beyond float32 is refused naming the element, in x and in targets. */
    @Test
    void valuesBeyondFloat32AreRefusedByElement() {
        forAll("value beyond float32", 300, r -> {
            double v = Math.scalb(1.0 + r.nextDouble(), 128 + r.nextInt(1024 - 128));
            String literal = Double.toString(r.nextBoolean() ? v : -v);
            int at = r.nextInt(3);
            String[] row = {"1", "2", "3"};
            row[at] = literal;
            return r.nextBoolean() ? "{\"x\": [" + String.join(", ", row) + "], \"y\": 1}"
                    : "{\"x\": [1, 2, 3], \"y\": [0.5, " + literal + "]}";
        }, none(), text -> {
            boolean target = text.contains("[0.5, ");
            RejectedRecordException e = assertThrows(RejectedRecordException.class,
                    () -> new RecordDecoder(target ? REGRESSION : CLASSES).decode(text.getBytes(StandardCharsets.UTF_8)));
            assertEquals(RejectedRecordException.Reason.NON_FINITE, e.reason(), e.getMessage());
            assertTrue(e.getMessage().matches((target ? "y\\[1\\]" : "x\\[\\d\\]") + " is -?[0-9.E]+, beyond float32 range"),
                    e.getMessage());
        });
    }

    // ---------------------------------------------------------------- properties: specs

    private static void parseOrReject(String text) {
        try {
            ModelSpec s = SpecParser.parse(text);
            assertTrue(s.parameterCount() <= SpecParser.MAX_PARAMETERS);
        } catch (SpecException e) {
            assertFalse(e.errors().isEmpty(), "a rejection lists its reasons");
            for (String m : e.errors()) {
                assertFalse(m.isBlank());
                assertFalse(m.contains("StreamReadConstraints") || m.contains("snakeyaml"), m);
                assertTrue(m.length() < 1_000, "a rejection echoes too much: " + m.length());
            }
        }
    }

    @Test
    void mutatedSpecsAreParsedOrRejectedWithReasons() {
        forAll("mutated spec", 1500, FuzzTest::mutatedSpec, TEXT, FuzzTest::parseOrReject);
    }

    private static final Pattern JSON_KEY = Pattern.compile("\"([A-Za-z_]+)\":");
    private static final Pattern YAML_KEY = Pattern.compile("([{,]\\s*|^\\s*-?\\s*)([A-Za-z_]+): ", Pattern.MULTILINE);

    /** Item 4: any key of the spec given twice in its object (JSON or YAML) is refused, naming it. */
    @Test
    void specsWithADuplicateKeyAreRefusedNamingIt() {
        forAll("spec with a duplicate key", 300, r -> {
            boolean json = r.nextBoolean();
            Matcher m = (json ? JSON_KEY : YAML_KEY).matcher(json ? SPEC_JSON : SPEC);
            List<int[]> keys = new ArrayList<>();
            while (m.find()) {
                keys.add(new int[] {m.start(json ? 0 : 2), m.end(json ? 1 : 2)});
            }
            int[] k = pick(r, keys);
            String text = json ? SPEC_JSON : SPEC;
            String key = text.substring(k[0], k[1]).replace("\"", "");
            // a copy of the key with a harmless value right before the original: the same object
            String lineStart = text.substring(text.lastIndexOf('\n', k[0] - 1) + 1, k[0]);
            String copy = json ? "\"" + key + "\":0,"
                    : lineStart.matches("[ -]*") ? key + ": 0\n" + lineStart.replace('-', ' ')
                            : key + ": 0, ";
            return new Case(key, text.substring(0, k[0]) + copy + text.substring(k[0]));
        }, none(), c -> {
            SpecException e = assertThrows(SpecException.class, () -> SpecParser.parse(c.text()));
            assertEquals(1, e.errors().size(), e.errors().toString());
            assertTrue(e.errors().get(0).endsWith(c.about() + " is given twice: each key may appear once"),
                    e.errors().toString());
        });
    }

    private static final Pattern INTEGER = Pattern.compile("([:\\[,])(\\d+)(?=[,}\\]])");

    /** Item 1: any integer of the spec plus a multiple of 2^64 (what a truncation would read back as the original) is refused. */
    @Test
    void specIntegersBeyondALongAreRefused() {
        forAll("spec integer beyond a long", 300, r -> {
            Matcher m = INTEGER.matcher(SPEC_JSON);
            List<int[]> at = new ArrayList<>();
            while (m.find()) {
                at.add(new int[] {m.start(2), m.end(2)});
            }
            int[] k = pick(r, at);
            BigInteger huge = new BigInteger(SPEC_JSON.substring(k[0], k[1]))
                    .add(BigInteger.ONE.shiftLeft(64 + r.nextInt(64)).multiply(BigInteger.valueOf(1 + r.nextInt(100))));
            return SPEC_JSON.substring(0, k[0]) + huge + SPEC_JSON.substring(k[1]);
        }, none(), text -> {
            SpecException e = assertThrows(SpecException.class, () -> SpecParser.parse(text));
            assertFalse(e.errors().isEmpty());
        });
    }

    /** Item 1: a number beyond double range (1e309 to 1e999, either sign) in any numeric field is refused. */
    @Test
    void specNumbersBeyondADoubleAreRefused() {
        forAll("spec number beyond a double", 200, r -> {
            Matcher m = Pattern
                    .compile("(lr|momentum|label_smoothing|max_norm|l2|weight_decay|alpha)\": ?(-?[0-9.]+(?:E-?[0-9]+)?)")
                    .matcher(SPEC_JSON);
            List<int[]> at = new ArrayList<>();
            while (m.find()) {
                at.add(new int[] {m.start(2), m.end(2)});
            }
            int[] k = pick(r, at);
            String big = (r.nextBoolean() ? "" : "-") + (1 + r.nextInt(9)) + "e" + (309 + r.nextInt(691));
            return SPEC_JSON.substring(0, k[0]) + big + SPEC_JSON.substring(k[1]);
        }, none(), text -> {
            SpecException e = assertThrows(SpecException.class, () -> SpecParser.parse(text));
            assertTrue(e.errors().stream().anyMatch(s -> s.contains("must be finite") || s.contains("must be >=")),
                    e.errors().toString());
        });
    }

    // ---------------------------------------------------------------- properties: snapshots

    private static final byte[] VALID_SNAPSHOT = SnapshotCodec.encode(ModelState.fresh(CLASSES), 1, Map.of(), Map.of());

    @Test
    void damagedSnapshotsAreRefusedNotCrashing() {
        forAll("damaged snapshot", 500, r -> switch (r.nextInt(3)) {
            case 0 -> mutated(r, VALID_SNAPSHOT);
            case 1 -> Arrays.copyOf(VALID_SNAPSHOT, r.nextInt(VALID_SNAPSHOT.length));
            default -> randomBytes(r, 300);
        }, BYTES, file -> {
            try {
                ModelState s = SnapshotCodec.decode(file, CLASSES);
                assertEquals(CLASSES.id(), s.spec().id());
            } catch (SnapshotFormatException e) {
                assertNotNull(e.getMessage());
            }
        });
    }

    // ---------------------------------------------------------------- the runner itself

    /** The runner shrinks a failing input to a minimal one and reports seed, case and input. */
    @Test
    void aFailureIsShrunkAndReportedWithItsSeed() {
        AssertionError e = assertThrows(AssertionError.class, () -> forAll("self-test", 100,
                r -> "padding " + "abc".repeat(1 + r.nextInt(50)) + "BOOM" + " tail".repeat(r.nextInt(20)), TEXT,
                text -> assertFalse(text.contains("BOOM"), "found it")));
        assertTrue(e.getMessage().startsWith("self-test failed at case 0 of seed "), e.getMessage());
        assertTrue(e.getMessage().contains("minimal input: \"BOOM\";"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dstreamfit.fuzz.seed=" + BASE_SEED), e.getMessage());
    }
}
