package io.streamfit.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
}
