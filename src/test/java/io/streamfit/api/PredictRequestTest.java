package io.streamfit.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.spec.ModelSpec.SequenceSpec;
import org.junit.jupiter.api.Test;

/** {@code /predict} bodies: every value must survive the narrowing to float32 (issue 12, item 2). */
class PredictRequestTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String refusal(String body) throws Exception {
        JsonNode n = JSON.readTree(body);
        return assertThrows(IllegalArgumentException.class, () -> PredictRequest.parse(n, 4, 10)).getMessage();
    }

    @Test
    void valuesBeyondFloat32AreRefusedNamingTheElement() throws Exception {
        // 3.5e38 is a finite double but float32 infinity: it used to give NaN probabilities.
        assertEquals("x[0][3] is 3.5E38, beyond float32 range", refusal("{\"x\":[[1,2,3,3.5e38]]}"));
        assertEquals("x[1][0] is -1.0E39, beyond float32 range", refusal("{\"x\":[[1,2,3,4],[-1e39,0,0,0]]}"));
        assertEquals("x[2] is 1.0E60, beyond float32 range", refusal("{\"x\":[1,2,1" + "0".repeat(60) + ",4]}"));
        String inf = refusal("{\"x\":[1,2,1e400,4]}");
        assertTrue(inf.startsWith("x[2] must be a finite number"), inf);
    }

    @Test
    void theLargestFloatIsAccepted() throws Exception {
        float[][] rows = PredictRequest.parse(JSON.readTree("{\"x\":[1,2,3,3.4028235e38]}"), 4, 10);
        assertArrayEquals(new float[] {1, 2, 3, Float.MAX_VALUE}, rows[0]);
    }

    @Test
    void aLongBadValueIsNotEchoedWhole() throws Exception {
        String m = refusal("{\"x\":[1,2,3,\"" + "a".repeat(10_000) + "\"]}");
        assertTrue(m.startsWith("x[3] must be a finite number") && m.length() < 200, m.length() + ": " + m.substring(0, 80));
    }

    // ---------------------------------------------------------------- sequence models

    /** 2..4 steps of 2 features: rows of 9, the length last. */
    private static final SequenceSpec SEQ = new SequenceSpec(4, 2, 2, true);

    private static float[][] sequences(String body, SequenceSpec seq) throws Exception {
        return PredictRequest.parseSequences(JSON.readTree(body), seq, 10);
    }

    private static String sequenceRefusal(String body, SequenceSpec seq) throws Exception {
        JsonNode n = JSON.readTree(body);
        return assertThrows(IllegalArgumentException.class, () -> PredictRequest.parseSequences(n, seq, 10)).getMessage();
    }

    @Test
    void oneSequenceOrSeveralBecomeSequenceRows() throws Exception {
        assertArrayEquals(new float[][] {{1, 2, 3, 4, 0, 0, 0, 0, 2}}, sequences("{\"x\": [[1, 2], [3, 4]]}", SEQ));
        assertArrayEquals(new float[][] {{1, 2, 3, 4, 0, 0, 0, 0, 2}, {5, 6, 7, 8, 9, 10, 0, 0, 3}},
                sequences("{\"x\": [[[1, 2], [3, 4]], [[5, 6], [7, 8], [9, 10]]]}", SEQ));
        // batch_first false: x[t][b] is sequence b's step t, as in the model's records
        SequenceSpec stepFirst = new SequenceSpec(4, 2, 2, false);
        assertArrayEquals(new float[][] {{1, 2, 3, 4, 0, 0, 0, 0, 2}, {5, 6, 7, 8, 0, 0, 0, 0, 2}},
                sequences("{\"x\": [[[1, 2], [5, 6]], [[3, 4], [7, 8]]]}", stepFirst));
        assertArrayEquals(new float[][] {{1, 2, 3, 4, 0, 0, 0, 0, 2}}, sequences("{\"x\": [[1, 2], [3, 4]]}", stepFirst));
    }

    @Test
    void badSequencesAreRefusedNamingTheElement() throws Exception {
        assertEquals("x has 5 steps; the model accepts 2..4", sequenceRefusal("{\"x\": [[1,2],[1,2],[1,2],[1,2],[1,2]]}", SEQ));
        assertEquals("x[1] has 1 steps; the model accepts 2..4", sequenceRefusal("{\"x\": [[[1,2],[3,4]],[[1,2]]]}", SEQ));
        assertEquals("x[1] must have 2 numbers (features per step), got 3", sequenceRefusal("{\"x\": [[1,2],[3,4,5]]}", SEQ));
        assertEquals("x[1][0][1] is 3.5E38, beyond float32 range",
                sequenceRefusal("{\"x\": [[[1,2],[3,4]],[[1,3.5e38],[3,4]]]}", SEQ));
        assertTrue(sequenceRefusal("{\"x\": [[1,2],[3,\"a\"]]}", SEQ).startsWith("x[1][1] must be a finite number"));
        assertEquals("x must be a sequence, an array of steps of 2 numbers, or several as [sequence][step][feature]",
                sequenceRefusal("{\"x\": [1, 2]}", SEQ));
        assertEquals("x[1] must be a sequence, an array of steps, got a non-array",
                sequenceRefusal("{\"x\": [[[1,2],[3,4]], 5]}", SEQ));
        assertEquals("x[1] must hold a step of each of the 2 sequences, got 1",
                sequenceRefusal("{\"x\": [[[1,2],[5,6]],[[3,4]]]}", new SequenceSpec(4, 2, 2, false)));
        String many = "{\"x\": [" + "[[1,2],[3,4]],".repeat(10) + "[[1,2],[3,4]]]}";
        assertEquals("x holds 11 sequences of up to 4 steps of 2 values; at most 10 sequences and 1048576 values (padded)"
                + " are accepted per request", sequenceRefusal(many, SEQ));
    }
}
