package io.streamfit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
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
        assertEquals(RejectedRecordException.Reason.EMPTY, assertThrows(RejectedRecordException.class, () -> CLS.decode(new byte[0])).reason());
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
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4, 60_000);
        assertEquals(RejectedRecordException.Reason.DECODE_ERROR, assertThrows(RejectedRecordException.class, () -> CLS.decode(b)).reason());
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4, -1);
        assertEquals(RejectedRecordException.Reason.TOO_LARGE, assertThrows(RejectedRecordException.class, () -> CLS.decode(b)).reason());
    }
}
