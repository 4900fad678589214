package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.streamfit.stream.KafkaTestResource;
import io.streamfit.stream.TestKafka;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.microprofile.config.ConfigProvider;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/**
 * Every error the real service answers is one shape, RFC 9457 problem details, including the
 * ones the HTTP layer produces (404 of unknown routes, 405, 413, 415), and quotes at most a
 * short excerpt of the input; bodies over their bound are refused before they are read.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class ProblemDetailsTest {
    static {
        StreamfitServiceTest.yamlBodiesAreText();
    }

    private static int port() {
        return RestAssured.port;
    }

    /** The problem members every error body has, with {@code status} and {@code instance}. */
    static JsonPath problem(Response r, int status, String instance) {
        r.then().statusCode(status).contentType(startsWith("application/problem+json"))
                .body("type", equalTo("about:blank")).body("status", equalTo(status))
                .body("title", not(equalTo(""))).body("instance", equalTo(instance));
        JsonPath p = r.jsonPath();
        assertFalse(p.getList("errors").isEmpty(), "errors lists the reasons: " + r.asString());
        assertEquals(String.join("; ", p.<String>getList("errors")), p.getString("detail"));
        return p;
    }

    @Test
    void unknownRoutesMethodsAndMediaTypesAreProblems() {
        JsonPath p = problem(given().get("/nope"), 404, "/nope");
        assertEquals("Not Found", p.getString("title"));
        assertTrue(p.getString("detail").contains("nothing is served at GET /nope"), p.prettify());

        problem(given().get("/q/nope"), 404, "/q/nope");
        String notAllowed = problem(given().contentType("application/json").body("{}").put("/cluster"), 405, "/cluster")
                .getString("detail");
        assertTrue(notAllowed.startsWith("PUT is not allowed on /cluster"), notAllowed);
        String unsupported = problem(given().contentType("text/csv").body("1,2,3").post("/models/anything/predict"), 415,
                "/models/anything/predict").getString("detail");
        assertTrue(unsupported.startsWith("Content-Type \"text/csv"), unsupported);
        JsonPath bad = problem(given().contentType("application/yaml").body("id: 5").post("/models"), 400, "/models");
        assertTrue(bad.getList("errors").contains("id must be a string, got 5"), bad.prettify());
    }

    @Test
    void longInputIsEchoedOnlyAsAnExcerpt() {
        String id = "a".repeat(3000);
        Response r = given().get("/models/" + id);
        JsonPath p = problem(r, 404, "/models/" + "a".repeat(Problem.EXCERPT_CHARS - "/models/".length()) + "…");
        assertTrue(p.getString("detail").contains("\"" + "a".repeat(Problem.EXCERPT_CHARS) + "…\" (3000 characters)"),
                p.prettify());
        assertTrue(r.asString().length() < 800, "a 3000-character id comes back as " + r.asString().length() + " characters");

        Response spec = given().contentType("application/yaml").body("id: \"" + "c".repeat(1_000_000) + "\"\n")
                .post("/models/validate");
        problem(spec, 400, "/models/validate");
        assertTrue(spec.asString().length() < 800, "a 1 MB id comes back as " + spec.asString().length() + " characters");

        String tag = "b".repeat(5000);
        Response t = given().get("/models/x/snapshot?tag=" + tag);
        assertTrue(t.asString().length() < 800, t.asString().length() + " characters");
    }

    /** Headers that declare {@code length} bytes, then a little of the body; the answer and how long it took. */
    private static String[] sendDeclaring(String path, long length) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            long start = System.nanoTime();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                    + length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[64 * 1024]);
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new String[] {answer, Double.toString((System.nanoTime() - start) / 1e9)};
        }
    }

    @Test
    void oversizedBodiesAreRefusedByTheirLengthBeforeTheyAreRead() throws Exception {
        for (String path : new String[] {"/models", "/models/validate", "/models/x/predict"}) {
            long declared = path.endsWith("predict") ? RequestBodies.MAX_PREDICT_BYTES + 1 : 50_000_000L;
            String[] answer = sendDeclaring(path, declared);
            double seconds = Double.parseDouble(answer[1]);
            System.out.printf("ProblemDetailsTest: %d-byte body to %s refused in %.3f s%n", declared, path, seconds);
            assertTrue(answer[0].startsWith("HTTP/1.1 413"), answer[0]);
            assertTrue(answer[0].contains("application/problem+json"), answer[0]);
            assertTrue(answer[0].contains("is " + declared + " bytes, more than the"), answer[0]);
            // Generous bound for a shared machine: the promise is "well under a second", without reading the body.
            assertTrue(seconds < 3, "refused after " + seconds + " s");
        }
    }

    @Test
    void chunkedBodiesAreReadOnlyUpToTheirBound() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        byte[] spec = ("id: chunky\n#" + "x".repeat((int) RequestBodies.MAX_SPEC_BYTES) + "\n").getBytes(StandardCharsets.UTF_8);
        for (String path : new String[] {"/models", "/models/validate"}) {
            // ofInputStream has no length: the body goes chunked.
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                    .header("Content-Type", "application/yaml")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(spec))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(413, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
                    r.headers().toString());
            assertTrue(r.body().contains("the spec is larger than that, more than the 1048576 bytes accepted"), r.body());
        }
        // A spec just under the bound is parsed.
        String fits = StreamfitServiceTest.LEARN_SPEC.replace("id: learn", "id: fits");
        StringBuilder padded = new StringBuilder(fits);
        while (RequestBodies.MAX_SPEC_BYTES - padded.length() > 1002) { // comment lines: YAML lines are bounded too
            padded.append('#').append("x".repeat(1000)).append('\n');
        }
        int rest = (int) RequestBodies.MAX_SPEC_BYTES - padded.length() - 2;
        padded.append('#').append("x".repeat(rest)).append('\n');
        fits = padded.toString();
        assertEquals(RequestBodies.MAX_SPEC_BYTES, fits.getBytes(StandardCharsets.UTF_8).length);
        given().contentType("application/yaml").body(fits).post("/models/validate").then().statusCode(200).body("valid",
                equalTo(true));
    }

    @Test
    void predictBodiesThatAreNotJsonSayWhereWithoutLibraryNames() throws Exception {
        TestKafka.createTopic(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class), "notjson.in", 1);
        given().contentType("application/yaml").body(StreamfitServiceTest.LEARN_SPEC.replace("id: learn", "id: notjson")
                .replace("topic: learn.in", "topic: notjson.in")).post("/models").then().statusCode(Matchers.anyOf(
                        equalTo(201), equalTo(202)));
        TestKafka.await("notjson runs", Duration.ofSeconds(30),
                () -> "running".equals(given().get("/models/notjson").then().extract().jsonPath().getString("phase")));
        JsonPath p = problem(given().contentType("application/json").body("{\"x\": [1, 2,").post("/models/notjson/predict"), 400,
                "/models/notjson/predict");
        assertTrue(p.getString("detail").startsWith("the body is not valid JSON: "), p.prettify());
        assertFalse(p.getString("detail").matches(".*(Exception|Constraints|com\\.fasterxml).*"), p.prettify());
        given().contentType("application/json").body("{\"x\":[1,2,3]}").post("/models/notjson/predict").then().statusCode(400)
                .contentType(startsWith("application/problem+json"))
                .body("errors", hasItem(containsString("x must have 8 numbers")));
    }
}
