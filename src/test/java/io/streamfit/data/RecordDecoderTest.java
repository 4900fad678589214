package io.streamfit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecordDecoderTest {
    static ModelSpec spec(String task) {
        return SpecParser.parse("""
                {"id":"m","topic":"t","input_width":3,"task":%s,
                 "layers":[{"type":"dense","units":2}],"optimizer":{"type":"sgd"},"batch_size":2}""".formatted(task));
    }

    private static final RecordDecoder CLS = new RecordDecoder(spec("{\"type\":\"classification\",\"classes\":2}"));
    private static final RecordDecoder REG = new RecordDecoder(spec("{\"type\":\"regression\",\"outputs\":2}"));

    private static Examples decode(RecordDecoder d, String json) throws RejectedRecordException {
        return d.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static RejectedRecordException.Reason rejected(RecordDecoder d, String json) {
        return assertThrows(RejectedRecordException.class, () -> decode(d, json)).reason();
    }

    @Test
    void singleAndBatchJson() throws Exception {
        Examples one = decode(CLS, "{\"x\":[1,2,3],\"y\":1}");
        assertEquals(1, one.count());
        assertArrayEquals(new float[] {1, 2, 3}, one.x());
        assertArrayEquals(new float[] {1}, one.y());
        Examples two = decode(CLS, "{\"x\":[[1,2,3],[4,5,6]],\"y\":[0,1]}");
        assertEquals(2, two.count());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, two.x());
        Examples reg = decode(REG, "{\"x\":[[1,2,3]],\"y\":[[0.5,-1]]}");
        assertArrayEquals(new float[] {0.5f, -1f}, reg.y());
    }

    @Test
    void binaryRoundTrip() throws Exception {
        byte[] b = RecordDecoder.encodeBinary(2, 3, new float[] {1, 2, 3, 4, 5, 6}, new int[] {1, 0}, null, 1);
        assertEquals(16 + 24 + 8, b.length);
        Examples e = CLS.decode(b);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, e.x());
        assertArrayEquals(new float[] {1, 0}, e.y());
        byte[] r = RecordDecoder.encodeBinary(1, 3, new float[] {1, 2, 3}, null, new float[] {7, 8}, 2);
        assertArrayEquals(new float[] {7, 8}, REG.decode(r).y());
    }

    @Test
    void badRecordsAreRejectedWithAReason() {
        assertEquals(RejectedRecordException.Reason.WRONG_WIDTH, rejected(CLS, "{\"x\":[1,2],\"y\":1}"));
        assertEquals(RejectedRecordException.Reason.NON_FINITE, rejected(CLS, "{\"x\":[1,NaN,3],\"y\":1}"));
        assertEquals(RejectedRecordException.Reason.NON_FINITE, rejected(CLS, "{\"x\":[1,2,1e39],\"y\":1}"));
        assertEquals(RejectedRecordException.Reason.BAD_LABEL, rejected(CLS, "{\"x\":[1,2,3],\"y\":2}"));
        assertEquals(RejectedRecordException.Reason.BAD_LABEL, rejected(CLS, "{\"x\":[1,2,3],\"y\":0.5}"));
        assertEquals(RejectedRecordException.Reason.BAD_LABEL, rejected(CLS, "{\"x\":[1,2,3]}"));
        assertEquals(RejectedRecordException.Reason.DECODE_ERROR, rejected(CLS, "{\"x\":[1,2,3],\"y\":1"));
        assertEquals(RejectedRecordException.Reason.DECODE_ERROR, rejected(CLS, "hello"));
        assertEquals(RejectedRecordException.Reason.BAD_LABEL, rejected(REG, "{\"x\":[1,2,3],\"y\":[1]}"));
        assertEquals(RejectedRecordException.Reason.EMPTY,
                assertThrows(RejectedRecordException.class, () -> CLS.decode(new byte[0])).reason());
    }

    @Test
    void aShortJsonRecordCannotClaimHugeRows() {
        StringBuilder rows = new StringBuilder("{\"x\":[");
        for (int i = 0; i < 60_000; i++) {
            rows.append(i == 0 ? "" : ",").append("[]");
        }
        rows.append("],\"y\":[]}");
        assertEquals(RejectedRecordException.Reason.WRONG_WIDTH, rejected(CLS, rows.toString()));
    }

    @Test
    void binaryHeaderLiesAreCaughtBeforeAllocation() {
        byte[] b = RecordDecoder.encodeBinary(1, 3, new float[] {1, 2, 3}, new int[] {1}, null, 1);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 60_000);
        assertEquals(RejectedRecordException.Reason.DECODE_ERROR,
                assertThrows(RejectedRecordException.class, () -> CLS.decode(b)).reason());
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(4, -1);
        assertEquals(RejectedRecordException.Reason.TOO_LARGE,
                assertThrows(RejectedRecordException.class, () -> CLS.decode(b)).reason());
    }

    private static RejectedRecordException rejection(RecordDecoder d, String json) {
        return assertThrows(RejectedRecordException.class, () -> decode(d, json));
    }

    /** Issue 12, item 1: 2^64+3 used to be truncated by asLong() to class 3 (and -(2^64)+3 too). */
    @Test
    void labelsBeyondALongAreBadLabelsNotTruncated() {
        for (String label : new String[] {"18446744073709551619", "-18446744073709551613", "18446744073709551616",
                "9223372036854775808", "-9223372036854775809", "1" + "0".repeat(90)}) {
            RejectedRecordException e = rejection(CLS, "{\"x\":[1,2,3],\"y\":" + label + "}");
            assertEquals(RejectedRecordException.Reason.BAD_LABEL, e.reason(), label);
            assertTrue(e.getMessage().contains("outside [0, 2)"), e.getMessage());
            e = rejection(CLS, "{\"x\":[[1,2,3],[1,2,3]],\"y\":[1," + label + "]}");
            assertEquals(RejectedRecordException.Reason.BAD_LABEL, e.reason(), label);
            assertTrue(e.getMessage().startsWith("y[1] "), e.getMessage());
        }
    }

    /** Item 1: a value beyond float32 names its element and the reason, it does not become infinity silently. */
    @Test
    void valuesBeyondFloatRangeNameTheElement() {
        RejectedRecordException e = rejection(CLS, "{\"x\":[[1,2,3],[1,2,3.5e38]],\"y\":[0,1]}");
        assertEquals(RejectedRecordException.Reason.NON_FINITE, e.reason());
        assertEquals("x[1][2] is 3.5E38, beyond float32 range", e.getMessage());
        e = rejection(REG, "{\"x\":[1,2,3],\"y\":[1,-1e39]}");
        assertEquals(RejectedRecordException.Reason.NON_FINITE, e.reason());
        assertEquals("y[1] is -1.0E39, beyond float32 range", e.getMessage());
        assertEquals(RejectedRecordException.Reason.NON_FINITE, rejected(CLS, "{\"x\":[1,2," + "9".repeat(60) + "],\"y\":1}"));
        // the largest float32 itself is a value like any other
        assertDoesNotThrow(() -> decode(CLS, "{\"x\":[1,2,3.4028235e38],\"y\":1}"));
    }

    /** Item 4: a repeated key used to be accepted with the last one winning. */
    @Test
    void duplicateKeysAreDecodeErrorsNamingTheKey() {
        RejectedRecordException e = rejection(CLS, "{\"x\":[1,2,3],\"y\":1,\"y\":0}");
        assertEquals(RejectedRecordException.Reason.DECODE_ERROR, e.reason());
        assertTrue(e.getMessage().contains("\"y\""), e.getMessage());
        e = rejection(CLS, "{\"x\":[1,2,3],\"meta\":{\"a\":1,\"a\":2},\"y\":1}");
        assertEquals(RejectedRecordException.Reason.DECODE_ERROR, e.reason());
        assertTrue(e.getMessage().contains("meta.a"), e.getMessage());
    }

    /** Item 1 (audit): rows times a wide target used to overflow an int and allocate without bound. */
    @Test
    void wideTargetsCannotOverflowTheAllocation() {
        RecordDecoder wide = new RecordDecoder(SpecParser.parse("""
                {"id":"w","topic":"t","input_width":1,"task":{"type":"regression","outputs":1000000},
                 "layers":[{"type":"dense","units":1000000}],"optimizer":{"type":"sgd"},"batch_size":2}"""));
        StringBuilder rows = new StringBuilder("{\"x\":[");
        for (int i = 0; i < 3000; i++) {
            rows.append(i == 0 ? "" : ",").append("[1]");
        }
        rows.append("],\"y\":[0").append(",0".repeat(2999)).append("]}");
        RejectedRecordException e = rejection(wide, rows.toString());
        assertEquals(RejectedRecordException.Reason.BAD_LABEL, e.reason(), e.getMessage());
    }

    /** Parser limits are reported in the project's words, never with a library class name. */
    @Test
    void parserLimitsNameNoLibraryClass() {
        String deep = "{\"x\":[1,2,3],\"y\":1,\"z\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        RejectedRecordException e = rejection(CLS, deep);
        assertEquals(RejectedRecordException.Reason.DECODE_ERROR, e.reason());
        assertFalse(e.getMessage().contains("StreamReadConstraints"), e.getMessage());
        assertTrue(e.getMessage().contains("nests deeper than"), e.getMessage());
    }
}
