package io.streamfit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.data.RejectedRecordException.Reason;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.ModelSpec.SequenceSpec;
import io.streamfit.spec.ModelSpec.Task;
import io.streamfit.spec.ModelSpec.TaskType;
import io.streamfit.spec.SpecParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Records for a sequence model (JSON in both mini-batch layouts, binary version 2): the rows they
 * decode to, every refusal's reason and message, JSON and binary agreeing bitwise, and a seeded
 * fuzz loop in which nothing but a {@link RejectedRecordException} escapes and no record decodes
 * to more than its bound.
 */
class SequenceRecordsTest {
    /** 2..4 steps of 2 features: rows of 9. */
    private static final SequenceSpec SEQ = new SequenceSpec(4, 2, 2, true);
    private static final SequenceSpec STEP_FIRST = new SequenceSpec(4, 2, 2, false);
    private static final Task CLASSES = new Task(TaskType.CLASSIFICATION, 3);
    private static final Task TARGETS = new Task(TaskType.REGRESSION, 2);
    private static final RecordDecoder CLS = new RecordDecoder(SEQ, CLASSES);
    private static final RecordDecoder REG = new RecordDecoder(SEQ, TARGETS);
    private static final RecordDecoder CLS_STEP_FIRST = new RecordDecoder(STEP_FIRST, CLASSES);

    private static Examples decode(RecordDecoder d, String json) throws RejectedRecordException {
        return d.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static RejectedRecordException refusal(RecordDecoder d, byte[] value) {
        return assertThrows(RejectedRecordException.class, () -> d.decode(value));
    }

    private static void refused(RecordDecoder d, String json, Reason reason, String message) {
        RejectedRecordException e = refusal(d, json.getBytes(StandardCharsets.UTF_8));
        assertEquals(message, e.getMessage(), json);
        assertEquals(reason, e.reason(), json);
    }

    // ---------------------------------------------------------------- good records

    @Test
    void oneSequenceIsOneRowPaddedWithItsLengthLast() throws Exception {
        Examples e = decode(CLS, "{\"x\": [[1, 2], [3, 4], [5, 6]], \"y\": 2}");
        assertEquals(1, e.count());
        assertEquals(9, e.width());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 0, 0, 3}, e.x());
        assertArrayEquals(new float[] {2}, e.y());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 4}, decode(CLS, "{\"y\":0,\"x\":[[1,2],[3,4],[5,6],[7,8]]}").x());
        Examples r = decode(REG, "{\"x\": [[1, 2], [3, 4]], \"y\": [0.5, -1]}");
        assertArrayEquals(new float[] {1, 2, 3, 4, 0, 0, 0, 0, 2}, r.x());
        assertArrayEquals(new float[] {0.5f, -1}, r.y());
    }

    @Test
    void aBatchFirstMiniBatchHasSequencesOfTheirOwnLengths() throws Exception {
        Examples e = decode(CLS,
                "{\"x\": [[[1, 2], [3, 4]], [[5, 6], [7, 8], [9, 10], [11, 12]], [[0.5, 0.25], [0, -1], [2, 2]]],"
                        + " \"y\": [0, 1, 2], \"id\": \"ignored\"}");
        assertEquals(3, e.count());
        assertArrayEquals(new float[] {
                1, 2, 3, 4, 0, 0, 0, 0, 2,
                5, 6, 7, 8, 9, 10, 11, 12, 4,
                0.5f, 0.25f, 0, -1, 2, 2, 0, 0, 3}, e.x());
        assertArrayEquals(new float[] {0, 1, 2}, e.y());
        Examples r = decode(REG, "{\"x\": [[[1, 2], [3, 4]]], \"y\": [[7, 8]]}");
        assertArrayEquals(new float[] {7, 8}, r.y());
    }

    @Test
    void withBatchFirstFalseXIsStepThenSequence() throws Exception {
        // two sequences of three steps: x[t][b] is sequence b's step t
        Examples e = decode(CLS_STEP_FIRST,
                "{\"x\": [[[1, 2], [5, 6]], [[3, 4], [7, 8]], [[0.5, 0.25], [9, 10]]], \"y\": [1, 2]}");
        assertEquals(2, e.count());
        assertArrayEquals(new float[] {
                1, 2, 3, 4, 0.5f, 0.25f, 0, 0, 3,
                5, 6, 7, 8, 9, 10, 0, 0, 3}, e.x());
        assertArrayEquals(new float[] {1, 2}, e.y());
        // one sequence is [step][feature] in either layout
        assertArrayEquals(decode(CLS, "{\"x\": [[1, 2], [3, 4]], \"y\": 1}").x(),
                decode(CLS_STEP_FIRST, "{\"x\": [[1, 2], [3, 4]], \"y\": 1}").x());
    }

    @Test
    void binaryVersion2GivesTheSameRowsAsJson() throws Exception {
        // stored with 4 steps each; example 0 is 2 long, and its padding (NaN here) is never read
        float nan = Float.NaN;
        float[] x = {1, 2, 3, 4, nan, nan, nan, nan, 5, 6, 7, 8, 9, 10, 11, 12};
        byte[] b = RecordDecoder.encodeSequences(2, 4, 2, new int[] {2, 4}, x, new int[] {0, 1}, null, 1);
        assertEquals(20 + 8 + 64 + 8, b.length);
        Examples bin = CLS.decode(b);
        Examples json = decode(CLS, "{\"x\": [[[1, 2], [3, 4]], [[5, 6], [7, 8], [9, 10], [11, 12]]], \"y\": [0, 1]}");
        assertArrayEquals(json.x(), bin.x());
        assertArrayEquals(json.y(), bin.y());
        assertEquals(2, bin.count());
        // fewer steps stored than the spec's length (3 of 4): rows are still 4 steps long
        byte[] three = RecordDecoder.encodeSequences(1, 3, 2, new int[] {3}, new float[] {1, 2, 3, 4, 5, 6}, null,
                new float[] {0.5f, 1}, 2);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 0, 0, 3}, REG.decode(three).x());
        assertArrayEquals(new float[] {0.5f, 1}, REG.decode(three).y());
    }

    // ---------------------------------------------------------------- refusals

    @Test
    void jsonRefusalsNameTheElementAndTheReason() {
        refused(CLS, "{\"x\": [[1, 2], [3, 4, 5]], \"y\": 0}", Reason.WRONG_WIDTH,
                "x[1] has 3 values, the model expects 2 features per step");
        refused(CLS, "{\"x\": [[[1, 2], [3, 4]], [[1, 2], [3]]], \"y\": [0, 1]}", Reason.WRONG_WIDTH,
                "x[1][1] has 1 values, the model expects 2 features per step");
        refused(CLS, "{\"x\": [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], \"y\": 0}", Reason.WRONG_WIDTH,
                "x has 5 steps, the model accepts 2..4");
        refused(CLS, "{\"x\": [[1, 2]], \"y\": 0}", Reason.WRONG_WIDTH, "x has 1 steps, the model accepts 2..4");
        refused(CLS, "{\"x\": [[[1, 2], [3, 4]], []], \"y\": [0, 1]}", Reason.WRONG_WIDTH,
                "x[1] has 0 steps, the model accepts 2..4");
        refused(CLS, "{\"x\": [[[1, 2], [3, 4]], 7], \"y\": [0, 1]}", Reason.WRONG_WIDTH,
                "x[1] is not an array: a mini-batch's x is [batch][step][feature]");
        refused(CLS, "{\"x\": [[[1, 2], [3, 4]], [[1, 2], 3]], \"y\": [0, 1]}", Reason.WRONG_WIDTH,
                "x[1][1] is not an array of 2 features");
        refused(CLS, "{\"x\": [1, 2], \"y\": 0}", Reason.WRONG_WIDTH,
                "x[0] is not an array: x is [step][feature], or [batch][step][feature] for a mini-batch");
        refused(CLS, "{\"x\": [[1, 2], [3, \"4\"]], \"y\": 0}", Reason.DECODE_ERROR, "x[1][1] is not a number");
        refused(CLS, "{\"x\": [[1, NaN], [3, 4]], \"y\": 0}", Reason.NON_FINITE, "x[0][1] is NaN, not a finite number");
        refused(CLS, "{\"x\": [[[1, 2], [3, 4]], [[1, 2], [-Infinity, 4]]], \"y\": [0, 1]}", Reason.NON_FINITE,
                "x[1][1][0] is -Infinity, not a finite number");
        refused(CLS, "{\"x\": [[1, 2], [3, 1e39]], \"y\": 0}", Reason.NON_FINITE, "x[1][1] is 1.0E39, beyond float32 range");
        // within a step its width comes first; the first problem in record order wins
        refused(CLS, "{\"x\": [[1, NaN, 3], [3, 4, 5]], \"y\": 0}", Reason.WRONG_WIDTH,
                "x[0] has 3 values, the model expects 2 features per step");
        refused(CLS, "{\"x\": [[1, \"a\"], [NaN, 4]], \"y\": 0}", Reason.DECODE_ERROR, "x[0][1] is not a number");
        // a syntax error or a repeated key anywhere wins over a problem in x
        refused(CLS, "{\"x\": [[1, 2, 3]], \"y\": 0, \"y\": 1}", Reason.DECODE_ERROR,
                "key \"y\" is given twice: each key may appear once");
        assertEquals(Reason.DECODE_ERROR,
                refusal(CLS, "{\"x\": [[1, 2, 3]], \"y\": 0".getBytes(StandardCharsets.UTF_8)).reason());
        refused(CLS, "{\"x\": [], \"y\": 0}", Reason.DECODE_ERROR, "field x must be a non-empty array");
        refused(CLS, "{\"x\": [[1, 2], [3, 4]]}", Reason.BAD_LABEL, "field y is missing");
    }

    @Test
    void stepFirstRefusalsNameTheStepAndTheSequence() {
        refused(CLS_STEP_FIRST, "{\"x\": [[[1, 2], [5, 6]], [[3, 4]]], \"y\": [1, 2]}", Reason.WRONG_WIDTH,
                "x[1] holds 1 sequences, x[0] holds 2: with batch_first false every sequence has every step");
        refused(CLS_STEP_FIRST, "{\"x\": [[[1, 2], [5, 6]]], \"y\": [1, 2]}", Reason.WRONG_WIDTH,
                "x has 1 steps, the model accepts 2..4");
        refused(CLS_STEP_FIRST, "{\"x\": [[[1, 2], [5, 6]], [[3, 4], [7, 8, 9]]], \"y\": [1, 2]}", Reason.WRONG_WIDTH,
                "x[1][1] has 3 values, the model expects 2 features per step");
        refused(CLS_STEP_FIRST, "{\"x\": [[[1, 2], [5, 6]], 3], \"y\": [1, 2]}", Reason.WRONG_WIDTH,
                "x[1] is not an array: with batch_first false, x is [step][batch][feature]");
        refused(CLS_STEP_FIRST, "{\"x\": [[[1, 2], [5, 6]], [[3, 4], [7, NaN]]], \"y\": [1, 2]}", Reason.NON_FINITE,
                "x[1][1][1] is NaN, not a finite number");
    }

    @Test
    void labelsAreReadAsForRows() {
        refused(CLS, "{\"x\": [[[1, 2], [3, 4]], [[1, 2], [3, 4]]], \"y\": [0]}", Reason.BAD_LABEL,
                "a mini-batch record needs y as an array of 2 labels");
        refused(CLS, "{\"x\": [[[1, 2], [3, 4]], [[1, 2], [3, 4]]], \"y\": [0, 3]}", Reason.BAD_LABEL,
                "y[1] (example 1) is 3, outside [0, 3)");
        refused(CLS, "{\"x\": [[1, 2], [3, 4]], \"y\": 1.5}", Reason.BAD_LABEL, "y must be a class index (integer), got 1.5");
        refused(REG, "{\"x\": [[1, 2], [3, 4]], \"y\": [1]}", Reason.BAD_LABEL, "y must be an array of 2 targets, got [1]");
        refused(REG, "{\"x\": [[1, 2], [3, 4]], \"y\": [1, 1e39]}", Reason.NON_FINITE, "y[1] is 1.0E39, beyond float32 range");
    }

    @Test
    void binaryRefusalsNameTheField() throws Exception {
        float[] x = new float[8];
        byte[] good = RecordDecoder.encodeSequences(1, 4, 2, new int[] {4}, x, new int[] {1}, null, 1);
        assertEquals(4, CLS.decode(good).x()[8]);
        binaryRefused(header(good, 8, 5), Reason.WRONG_WIDTH, "binary record stores 5 steps per example, the model accepts 2..4");
        binaryRefused(header(good, 8, 1), Reason.WRONG_WIDTH, "binary record stores 1 steps per example, the model accepts 2..4");
        binaryRefused(header(good, 12, 3), Reason.WRONG_WIDTH,
                "binary record has 3 values per step, the model expects 2 features per step");
        binaryRefused(header(good, 20, 5), Reason.WRONG_WIDTH, "lengths[0] is 5, more than the 4 steps stored per example");
        binaryRefused(header(good, 20, 1), Reason.WRONG_WIDTH, "lengths[0] is 1, the model accepts 2..4");
        binaryRefused(header(good, 4, 0), Reason.EMPTY, "binary record holds 0 examples (allowed 1..65536)");
        binaryRefused(header(good, 4, 70_000), Reason.TOO_LARGE, "binary record holds 70000 examples (allowed 1..65536)");
        binaryRefused(header(good, 4, -1), Reason.TOO_LARGE, "binary record holds 4294967295 examples (allowed 1..65536)");
        binaryRefused(header(good, 4, 2), Reason.DECODE_ERROR, "binary record is 60 bytes, header implies 100");
        binaryRefused(header(good, 16, 2), Reason.BAD_LABEL,
                "label kind 0 with 2 targets does not fit the task (classification, expects kind 0, m=1)");
        binaryRefused(Arrays.copyOf(good, 19), Reason.DECODE_ERROR, "binary record shorter than its 20-byte header");
        byte[] v1 = RecordDecoder.encodeBinary(1, 9, new float[9], new int[] {1}, null, 1);
        binaryRefused(v1, Reason.DECODE_ERROR,
                "binary format version 1 holds rows, but this model reads sequences (its spec has a sequence section): send version 2");
        byte[] nan = good.clone();
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(24 + 4 * 5, Float.NaN);
        binaryRefused(nan, Reason.NON_FINITE, "x[0][2][1] is NaN, not a finite number");
        byte[] label = good.clone();
        ByteBuffer.wrap(label).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 32, 3);
        binaryRefused(label, Reason.BAD_LABEL, "label of example 0 is 3, outside [0, 3)");
    }

    @Test
    void eachModelRefusesTheOthersBinaryVersion() {
        ModelSpec flat = SpecParser.parse("""
                {"id":"m","topic":"t","input_width":9,"task":{"type":"classification","classes":3},
                 "layers":[{"type":"dense","units":3}],"optimizer":{"type":"sgd"},"batch_size":2}""");
        byte[] v2 = RecordDecoder.encodeSequences(1, 4, 2, new int[] {4}, new float[8], new int[] {1}, null, 1);
        RejectedRecordException e = refusal(new RecordDecoder(flat), v2);
        assertEquals(Reason.DECODE_ERROR, e.reason());
        assertEquals("binary format version 2 holds sequences, but this model's input is rows of input_width values"
                + " (expected version 1)", e.getMessage());
        binaryRefused(header(v2, 0, 0x00_03_46_53), Reason.DECODE_ERROR,
                "binary format version 3 is not supported (expected 2, sequences)");
    }

    @Test
    void sizesAreBoundedBeforeAllocating() {
        // 65,537 one-step sequences of a 1-step spec: refused by their count
        SequenceSpec one = new SequenceSpec(1, 1, 1, true);
        StringBuilder b = new StringBuilder("{\"x\": [");
        for (int i = 0; i <= RecordDecoder.MAX_EXAMPLES_PER_RECORD; i++) {
            b.append(i == 0 ? "" : ",").append("[[0]]");
        }
        String many = b.append("], \"y\": 0}").toString();
        refused(new RecordDecoder(one, CLASSES), many, Reason.TOO_LARGE, "record holds 65537 examples, more than 65536");
        // padding: 170 one-step sequences of a 100,000-step spec would be 17,000,170 floats from 1.2 KB
        SequenceSpec longest = new SequenceSpec(100_000, 1, 1, true);
        String padded = "{\"x\": [" + "[[0]],".repeat(169) + "[[0]]], \"y\": [" + "0,".repeat(169) + "0]}";
        RejectedRecordException e = refusal(new RecordDecoder(longest, CLASSES), padded.getBytes(StandardCharsets.UTF_8));
        assertEquals(Reason.TOO_LARGE, e.reason());
        assertEquals("record of " + padded.length() + " bytes holds 170 sequences, 17000170 values as rows of 100000 steps;"
                + " at most 16777216 are allowed", e.getMessage());
        float[] x = new float[170];
        int[] lengths = new int[170];
        Arrays.fill(lengths, 1);
        byte[] bin = RecordDecoder.encodeSequences(170, 1, 1, lengths, x, new int[170], null, 1);
        assertEquals(Reason.TOO_LARGE, refusal(new RecordDecoder(longest, CLASSES), bin).reason());
    }

    private static byte[] header(byte[] record, int offset, int value) {
        byte[] m = record.clone();
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return m;
    }

    private static void binaryRefused(byte[] value, Reason reason, String message) {
        RejectedRecordException e = refusal(CLS, value);
        assertEquals(message, e.getMessage());
        assertEquals(reason, e.reason());
    }

    // ---------------------------------------------------------------- JSON and binary agree

    /** Random examples: lengths in [min, T], values k/64 (exact in decimal and in float32). */
    private record Batch(SequenceSpec seq, int[] lengths, float[][][] x, int[] y) {}

    private static Batch batch(SplittableRandom r, SequenceSpec seq, boolean sameLength) {
        int n = 1 + r.nextInt(5);
        int[] lengths = new int[n];
        float[][][] x = new float[n][][];
        int[] y = new int[n];
        int shared = seq.minLength() + r.nextInt(seq.length() - seq.minLength() + 1);
        for (int i = 0; i < n; i++) {
            lengths[i] = sameLength ? shared : seq.minLength() + r.nextInt(seq.length() - seq.minLength() + 1);
            x[i] = new float[lengths[i]][seq.features()];
            for (float[] step : x[i]) {
                for (int f = 0; f < step.length; f++) {
                    step[f] = (r.nextInt(4001) - 2000) / 64f;
                }
            }
            y[i] = r.nextInt(3);
        }
        return new Batch(seq, lengths, x, y);
    }

    private static String json(Batch b, boolean single) {
        StringBuilder s = new StringBuilder("{\"x\": ");
        if (single) {
            s.append(steps(b.x[0])).append(", \"y\": ").append(b.y[0]).append('}');
            return s.toString();
        }
        List<String> outer = new ArrayList<>();
        if (b.seq.batchFirst()) {
            for (float[][] sequence : b.x) {
                outer.add(steps(sequence));
            }
        } else {
            for (int t = 0; t < b.lengths[0]; t++) {
                List<String> sequences = new ArrayList<>();
                for (float[][] sequence : b.x) {
                    sequences.add(Arrays.toString(sequence[t]));
                }
                outer.add("[" + String.join(", ", sequences) + "]");
            }
        }
        return s.append('[').append(String.join(", ", outer)).append("], \"y\": ").append(Arrays.toString(b.y)).append('}')
                .toString();
    }

    private static String steps(float[][] sequence) {
        List<String> steps = new ArrayList<>();
        for (float[] step : sequence) {
            steps.add(Arrays.toString(step));
        }
        return "[" + String.join(", ", steps) + "]";
    }

    private static byte[] binary(Batch b, SplittableRandom r) {
        int stored = Arrays.stream(b.lengths).max().orElseThrow() + r.nextInt(b.seq.length() + 1
                - Arrays.stream(b.lengths).max().orElseThrow());
        int f = b.seq.features();
        float[] x = new float[b.x.length * stored * f];
        Arrays.fill(x, Float.NaN); // padding is never read
        for (int i = 0; i < b.x.length; i++) {
            for (int t = 0; t < b.lengths[i]; t++) {
                System.arraycopy(b.x[i][t], 0, x, (i * stored + t) * f, f);
            }
        }
        return RecordDecoder.encodeSequences(b.x.length, stored, f, b.lengths, x, b.y, null, 1);
    }

    /** The rows expected for a batch, built from the layout's definition. */
    private static float[] rows(Batch b) {
        int width = b.seq.width();
        float[] rows = new float[b.x.length * width];
        for (int i = 0; i < b.x.length; i++) {
            for (int t = 0; t < b.lengths[i]; t++) {
                for (int f = 0; f < b.seq.features(); f++) {
                    rows[i * width + t * b.seq.features() + f] = b.x[i][t][f];
                }
            }
            rows[i * width + width - 1] = b.lengths[i];
        }
        return rows;
    }

    @Test
    void jsonAndBinaryOfTheSameExamplesDecodeToIdenticalRows() throws Exception {
        SequenceSpec[] specs = {SEQ, STEP_FIRST, new SequenceSpec(7, 1, 3, true), new SequenceSpec(5, 5, 1, false)};
        for (int i = 0; i < 2000; i++) {
            SplittableRandom r = new SplittableRandom(0x5E0_2026L + 31L * i);
            SequenceSpec seq = specs[i % specs.length];
            RecordDecoder d = new RecordDecoder(seq, CLASSES);
            Batch b = batch(r, seq, !seq.batchFirst());
            boolean single = b.x.length == 1 && r.nextBoolean();
            Examples fromJson = d.decode(json(b, single).getBytes(StandardCharsets.UTF_8));
            Examples fromBinary = d.decode(binary(b, r));
            float[] expected = rows(b);
            assertArrayEquals(expected, fromJson.x(), "case " + i + ": " + json(b, single));
            assertArrayEquals(expected, fromBinary.x(), "case " + i);
            assertArrayEquals(fromJson.y(), fromBinary.y(), "case " + i);
            assertEquals(b.x.length, fromJson.count());
        }
    }

    // ---------------------------------------------------------------- fuzzing

    private static final long SEED = Long.getLong("streamfit.fuzz.seed", 0x5EED_2026_1127L);

    /**
     * Decodes for both layouts and both tasks; returns normally, with the number of decoders that
     * accepted, for a record decoded within its contract or refused with a reason.
     */
    private static int decodeOrReject(byte[] value) {
        int accepted = 0;
        for (SequenceSpec seq : new SequenceSpec[] {SEQ, STEP_FIRST}) {
            for (Task task : new Task[] {CLASSES, TARGETS}) {
                try {
                    Examples e = new RecordDecoder(seq, task).decode(value);
                    int width = seq.width();
                    assertTrue(e.count() >= 1 && e.count() <= RecordDecoder.MAX_EXAMPLES_PER_RECORD, "count " + e.count());
                    assertEquals(width, e.width());
                    assertEquals((long) e.count() * width, e.x().length);
                    assertTrue(e.x().length <= SequenceRecordDecoder.paddedBound(value.length), "beyond the bound");
                    assertEquals(e.count() * e.targetWidth(), e.y().length);
                    for (int i = 0; i < e.count(); i++) {
                        float length = e.x()[i * width + width - 1];
                        assertTrue(length == Math.rint(length) && length >= seq.minLength() && length <= seq.length(),
                                "length " + length);
                        for (int k = 0; k < width - 1; k++) {
                            float v = e.x()[i * width + k];
                            assertTrue(Float.isFinite(v), "a non-finite value passed");
                            assertTrue(k < length * seq.features() || v == 0, "padding is not zero");
                        }
                    }
                    for (float v : e.y()) {
                        assertTrue(Float.isFinite(v), "a non-finite target passed");
                    }
                    accepted++;
                } catch (RejectedRecordException e) {
                    assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "a refusal says why");
                    assertTrue(e.getMessage().length() < 400, "a refusal echoes too much: " + e.getMessage());
                    assertTrue(e.reason() != null);
                }
            }
        }
        return accepted;
    }

    private static byte[] mutated(SplittableRandom r, byte[] v) {
        byte[] m = v.clone();
        for (int k = r.nextInt(3); k > 0 && m.length > 0; k--) { // none: the valid record itself
            switch (r.nextInt(5)) {
                case 0 -> m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                case 1 -> m[r.nextInt(m.length)] = (byte) "{}[],:\"0-e.NI \\".charAt(r.nextInt(15));
                case 2 -> m = Arrays.copyOf(m, r.nextInt(m.length));
                case 3 -> { // a header-sized field set to an extreme
                    int at = r.nextInt(Math.max(1, m.length - 3));
                    if (at + 4 <= m.length) {
                        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(at,
                                new int[] {0, 1, -1, Integer.MAX_VALUE, 65_536, 65_537, 4, 5}[r.nextInt(8)]);
                    }
                }
                default -> { // a chunk repeated
                    int from = r.nextInt(m.length);
                    int to = from + r.nextInt(m.length - from + 1);
                    byte[] grown = new byte[m.length + to - from];
                    System.arraycopy(m, 0, grown, 0, to);
                    System.arraycopy(m, from, grown, to, m.length - from);
                    m = grown;
                }
            }
        }
        return m;
    }

    /** Arrays nested up to 4 deep of numbers, literals and strings, often steps of two numbers. */
    private static String jsonish(SplittableRandom r, int depth) {
        String[] atoms = {"0", "1", "-2.5", "1e39", "NaN", "-Infinity", "\"s\"", "null", "{}", "3", "0.25", "7"};
        if (depth <= 0 || r.nextInt(8) == 0) {
            return atoms[r.nextInt(atoms.length)];
        }
        if (depth == 1 && r.nextInt(3) > 0) {
            return "[" + r.nextInt(3) + ", " + (r.nextInt(8) == 0 ? atoms[r.nextInt(atoms.length)] : "0.5") + "]";
        }
        List<String> items = new ArrayList<>();
        for (int i = r.nextInt(6); i > 0; i--) {
            items.add(jsonish(r, depth - (r.nextInt(10) == 0 ? 2 : 1)));
        }
        return "[" + String.join(",", items) + "]";
    }

    private interface Gen {
        byte[] next(SplittableRandom r);
    }

    /** Runs {@code cases} generated records through {@link #decodeOrReject}; returns how many some decoder accepted. */
    private static int fuzz(String property, int cases, Gen gen) {
        long seed = SEED ^ property.hashCode();
        int accepted = 0;
        for (int i = 0; i < cases; i++) {
            byte[] value = gen.next(new SplittableRandom(seed + 0x9E3779B97F4A7C15L * i));
            try {
                accepted += decodeOrReject(value) > 0 ? 1 : 0;
            } catch (Throwable t) { // anything: an unexpected exception is the finding
                throw new AssertionError(property + " failed at case " + i + " of seed " + seed + " (-Dstreamfit.fuzz.seed="
                        + SEED + "), record: " + new String(value, StandardCharsets.ISO_8859_1), t);
            }
        }
        return accepted;
    }

    @Test
    void mutatedJsonRecordsAreDecodedOrRejected() {
        int accepted = fuzz("mutated JSON sequence record", 3000, r -> {
            SequenceSpec seq = r.nextBoolean() ? SEQ : STEP_FIRST;
            Batch b = batch(r, seq, !seq.batchFirst());
            return mutated(r, json(b, b.x.length == 1 && r.nextBoolean()).getBytes(StandardCharsets.UTF_8));
        });
        assertTrue(accepted > 500, "the accepted records' contract is exercised: " + accepted); // 1,031 with the seed
    }

    @Test
    void mutatedBinaryRecordsAreDecodedOrRejected() {
        int accepted = fuzz("mutated binary sequence record", 3000, r -> mutated(r, binary(batch(r, SEQ, false), r)));
        assertTrue(accepted > 500, "the accepted records' contract is exercised: " + accepted); // 1,559 with the seed
    }

    @Test
    void jsonOfRandomStructureIsDecodedOrRejected() {
        int accepted = fuzz("JSON sequence of random structure", 3000,
                r -> ("{\"x\": " + jsonish(r, 2 + r.nextInt(3)) + ", \"y\": "
                        + (r.nextBoolean() ? "1" : jsonish(r, 2)) + "}").getBytes(StandardCharsets.UTF_8));
        assertTrue(accepted > 5, "some random structures are sequences: " + accepted); // 23 with the seed
    }
}
