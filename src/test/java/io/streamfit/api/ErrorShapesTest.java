package io.streamfit.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamfit.metrics.ModelMeters;
import io.streamfit.service.ModelRegistry;
import io.streamfit.spec.JsonReadErrors;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.KafkaClients;
import io.streamfit.stream.ModelRunner;
import io.streamfit.stream.RunnerPhase;
import io.streamfit.stream.RunnerSettings;
import io.streamfit.stream.SnapshotStore;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The error answers that the service tests cannot provoke on demand (500, 502, a model that is
 * still starting), and the scrubbing of messages, on the same code paths the service uses.
 */
class ErrorShapesTest {
    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(Response r) {
        assertEquals(Problem.TYPE, r.getMediaType());
        Map<String, Object> b = (Map<String, Object>) r.getEntity();
        assertEquals(r.getStatus(), b.get("status"));
        assertEquals("about:blank", b.get("type"));
        return b;
    }

    @Test
    void unexpectedFailuresAnswer500WithAnIdNotTheException() {
        Map<String, Object> b = body(new ProblemMappers().internal(new IllegalStateException("secret inner detail")));
        assertEquals("Internal Server Error", b.get("title"));
        String detail = (String) b.get("detail");
        assertTrue(
                detail.matches(
                        "the service failed to answer this request; the server log has the details under error id [0-9a-f-]{36}"),
                detail);
    }

    @Test
    void aBodyCutShortIsTheClients400() {
        Map<String, Object> b = body(
                new ProblemMappers().unreadable(new RequestBodies.Unreadable(new IOException("Connection reset"))));
        assertEquals(400, b.get("status"));
        assertEquals("the request body could not be read to its end: the connection closed", b.get("detail"));
    }

    @Test
    void anUnreachableOwnerIs502InWords() {
        Map<String, Object> b = body(
                OwnerForwarding.unreachable(new ModelRegistry.Owner("b", "10.0.0.2", 8080), new ConnectException()));
        assertEquals(502, b.get("status"));
        assertEquals("the model is trained by instance b (10.0.0.2:8080), which did not answer (connection refused); retry: its "
                + "partition may be moving", b.get("detail"));
    }

    @Test
    void messagesLoseLibraryNamesAndLongInput() {
        assertEquals("String value length (20000001) exceeds the maximum allowed (20000000)", Problem.clean(
                "String value length (20000001) exceeds the maximum allowed (20000000, from `StreamReadConstraints.getMaxStringLength()`)"));
        assertEquals("cannot store the spec: The message is 1100000 bytes", Problem.clean(
                "cannot store the spec: org.apache.kafka.common.errors.RecordTooLargeException: The message is 1100000 bytes"));
        assertEquals("boom", Problem.clean("java.io.IOException: boom"));
        assertEquals("id must match [a-z]+, got \"" + "z".repeat(64) + "…\" (1000000 characters)",
                Problem.clean("id must match [a-z]+, got \"" + "z".repeat(1_000_000) + "\""));
        String once = Problem.clean("no model with id " + Problem.excerpt("q".repeat(3000)));
        assertEquals(once, Problem.clean(once), "an excerpt is not cut again");
        // Nor is another layer's excerpt, which keeps the input's full length.
        String spec = "layers[0].type must be a string, got \"" + JsonReadErrors.excerpt("w".repeat(1_048_576), 80) + "\"";
        assertEquals(spec, Problem.clean(spec));
        assertTrue(spec.endsWith("(1048576 characters)\""), spec);
        String clean = Problem.clean("x".repeat(2_000_000));
        assertTrue(clean.length() <= Problem.MAX_MESSAGE_CHARS + 1, clean.length() + " characters");
        assertEquals("\"" + "y".repeat(64) + "…\" (100 characters)", Problem.excerpt("y".repeat(100)));
        assertEquals("\"short\"", Problem.excerpt("short"));
        List<String> many = IntStream.range(0, 500).mapToObj(i -> "e" + i).toList();
        assertEquals(Problem.MAX_ERRORS + 1, ((List<?>) Problem.body(400, "Bad Request", many).get("errors")).size());
    }

    @Test
    void aModelThatIsStillStartingAnswers503WithRetryAfter() {
        ModelRunner starting = new ModelRunner(SpecParser.parse(StreamfitServiceTest.LEARN_SPEC),
                new KafkaClients(Map.of("bootstrap.servers", "127.0.0.1:9")),
                new SnapshotStore(new KafkaClients(Map.of("bootstrap.servers", "127.0.0.1:9")), "s", 1 << 20, Optional.empty()),
                new ModelMeters(new SimpleMeterRegistry(), "learn"),
                new RunnerSettings("t.", Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5)));
        assertEquals(RunnerPhase.STARTING, starting.phase());
        Response r = ModelPhases.refusePredict(starting);
        Map<String, Object> b = body(r);
        assertEquals(503, r.getStatus());
        assertEquals("1", r.getHeaderString("Retry-After"));
        assertEquals("model learn is starting: it predicts once it runs; retry in a moment", b.get("detail"));
        assertTrue(ModelPhases.starting(ModelPhases.awaitStarted(starting, 50)), "still starting after the wait");
    }
}
