package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.streamfit.stream.KafkaTestResource;
import io.streamfit.stream.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * What the console reads and does, over HTTP against a real broker: the per-second history, the
 * user's pause (records stay in Kafka and are trained after resume, none lost) and the loss
 * landscape with sharpness, computed on rows that arrive after the request.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class ConsoleApiTest {
    static {
        StreamfitServiceTest.yamlBodiesAreText();
    }

    private static String spec(String id, int hidden) {
        return """
                id: %s
                topic: %s.in
                input_width: 8
                task: {type: classification, classes: 4}
                layers: [{type: dense, units: %d}, {type: relu}, {type: dense, units: 4}]
                optimizer: {type: adam, lr: 0.01}
                batch_size: 20
                seed: 3
                snapshot: {every_steps: 1000, every_seconds: 3600}
                """.formatted(id, id, hidden);
    }

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static List<byte[]> records(int records, long seed) {
        return TestKafka.synthetic(records, seed);
    }

    private static void declare(String id, int hidden) throws Exception {
        TestKafka.createTopic(bootstrap(), id + ".in", 1);
        given().contentType("application/yaml").body(spec(id, hidden)).post("/models").then()
                .statusCode(StreamfitServiceTest.CREATED);
        TestKafka.await(id + " runs", Duration.ofSeconds(60),
                () -> "running".equals(given().get("/models/" + id).then().extract().path("phase")));
    }

    /** A numeric field of a model's status, or -1 while it is absent (no snapshot yet). */
    private static long number(String id, String path) {
        Object v = status(id).get(path);
        return v == null ? -1 : ((Number) v).longValue();
    }

    private static JsonPath status(String id) {
        return given().get("/models/" + id).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void historyHasOnePointASecondWithWhatHappenedInIt() throws Exception {
        declare("curves", 16);
        TestKafka.produce(bootstrap(), "curves.in", records(100, 1));
        TestKafka.await("2000 examples trained", Duration.ofSeconds(60), () -> status("curves").getLong("examples_seen") == 2000);
        TestKafka.await("two samples taken since", Duration.ofSeconds(10), () -> given().get("/models/curves/history?seconds=10")
                .then().extract().jsonPath().getList("steps", Long.class).stream().filter(s -> s == 100).count() >= 2);
        // three undecodable records: dead-lettered, and counted in the second they happened
        TestKafka.produce(bootstrap(), "curves.in", List.of("no".getBytes(StandardCharsets.UTF_8),
                "not a record".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}));
        TestKafka.produce(bootstrap(), "curves.in", records(50, 2));
        TestKafka.await("3000 examples trained, and two more samples taken", Duration.ofSeconds(60),
                () -> status("curves").getLong("examples_seen") == 3000);
        Thread.sleep(2_500); // the sampler takes one a second: the last counts are in the history

        JsonPath h = given().get("/models/curves/history?seconds=120").then().statusCode(200).extract().jsonPath();
        List<Long> t = h.getList("t", Long.class);
        int n = t.size();
        assertTrue(n >= 3, "a point a second: " + t);
        for (String series : List.of("loss", "accuracy", "learning_rate", "grad_norm", "clip_fraction", "skipped_steps",
                "examples_per_second", "consumer_lag", "snapshot_version", "steps", "dead_letters.decode_error")) {
            assertEquals(n, h.getList(series).size(), series + " is aligned with t");
        }
        for (int i = 1; i < n; i++) {
            assertTrue(t.get(i) > t.get(i - 1), "one point per second, in order: " + t);
        }
        List<Long> steps = h.getList("steps", Long.class);
        assertEquals(status("curves").getLong("steps"), steps.get(n - 1), "the last point is the model now");
        Map<String, List<Integer>> dead = h.getMap("dead_letters");
        assertEquals(3, dead.values().stream().flatMap(List::stream).mapToInt(Integer::intValue).sum(),
                "the three dead letters, each counted once: " + dead);
        // examples a second, summed over the seconds, are the examples trained in the window
        JsonPath exact = new JsonPath(given().get("/models/curves/history?seconds=120").asString())
                .using(new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE));
        List<Double> rate = exact.getList("examples_per_second", Double.class);
        List<Long> at = exact.getList("t", Long.class);
        List<Long> stepsThen = exact.getList("steps", Long.class);
        double trained = 0;
        for (int i = 1; i < rate.size(); i++) {
            trained += rate.get(i) * (at.get(i) - at.get(i - 1));
        }
        long first = stepsThen.get(0) * 20; // a record is a batch: 20 examples a step
        assertEquals(20.0 * stepsThen.get(stepsThen.size() - 1) - first, trained, 1e-9 * trained,
                "examples summed over the window");
        assertTrue(h.getList("loss").stream().anyMatch(v -> v != null), "the prequential loss is in the curves");

        given().get("/models/curves/history?seconds=5").then().statusCode(400)
                .body("errors[0]", containsString("seconds must be a whole number from 10 to 3600"));
        given().get("/models/curves/history?seconds=abc").then().statusCode(400).body("errors[0]", containsString("\"abc\""));
        given().get("/models/nothing/history").then().statusCode(404);
    }

    @Test
    void aPausedModelLeavesItsRecordsInKafkaAndTrainsThemAfterResume() throws Exception {
        declare("pausing", 16);
        TestKafka.produce(bootstrap(), "pausing.in", records(50, 3));
        TestKafka.await("1000 examples trained", Duration.ofSeconds(60),
                () -> status("pausing").getLong("examples_seen") == 1000);

        assertEquals(-1, number("pausing", "snapshot_positions.0.offset"), "no snapshot yet: every 1000 steps or hour");
        given().post("/models/pausing/pause").then().statusCode(202).body("pause_requested", equalTo(true));
        given().post("/models/pausing/pause").then().statusCode(409).body("errors[0]", containsString("paused already"));
        TestKafka.await("training stops", Duration.ofSeconds(30), () -> status("pausing").getBoolean("paused"));
        assertEquals("user", status("pausing").getString("paused_by"));
        assertEquals(false, status("pausing").getBoolean("pause_requested"));
        // the pause published a snapshot of everything trained before it (nothing else would have)
        TestKafka.await("a snapshot covers the 50 records", Duration.ofSeconds(30),
                () -> number("pausing", "snapshot_positions.0.offset") == 50);
        long steps = status("pausing").getLong("steps");
        TestKafka.produce(bootstrap(), "pausing.in", records(50, 4));
        TestKafka.await("the lag shows the held records", Duration.ofSeconds(30),
                () -> status("pausing").getLong("consumer_lag") == 50);
        assertEquals(steps, status("pausing").getLong("steps"), "no step while paused");
        assertEquals(1000, status("pausing").getLong("examples_seen"));

        given().post("/models/pausing/resume").then().statusCode(202).body("paused", equalTo(false));
        TestKafka.await("the held records trained after resume", Duration.ofSeconds(60),
                () -> status("pausing").getLong("examples_seen") == 2000);
        given().post("/models/pausing/resume").then().statusCode(409).body("errors[0]", containsString("is not paused"));
    }

    @Test
    void theLandscapeIsComputedOnRowsThatArriveAfterTheRequest() throws Exception {
        declare("scape", 16);
        TestKafka.produce(bootstrap(), "scape.in", records(50, 5));
        TestKafka.await("1000 examples trained", Duration.ofSeconds(60), () -> status("scape").getLong("examples_seen") == 1000);

        given().contentType("application/json").body("{\"points\": 4, \"pointz\": 3, \"span\": -1}")
                .post("/models/scape/landscape")
                .then().statusCode(400).body("errors", hasItem(containsString("points must be odd")))
                .body("errors", hasItem(containsString("\"pointz\" is not a member")))
                .body("errors", hasItem(containsString("span must be > 0")));
        given().get("/models/scape/landscape").then().statusCode(200).body("state", equalTo("none"));

        given().contentType("application/json").body("{\"points\": 5, \"rows\": 64, \"iterations\": 30}")
                .post("/models/scape/landscape").then().statusCode(202).body("state", equalTo("capturing"));
        given().contentType("application/json").body("{}").post("/models/scape/landscape").then().statusCode(409)
                .body("errors[0]", containsString("capturing"));
        long stepsAtRequest = status("scape").getLong("steps");
        TestKafka.produce(bootstrap(), "scape.in", records(10, 6)); // 200 rows: the first 64 are the held-out slice
        TestKafka.await("the landscape is done", Duration.ofSeconds(60),
                () -> "done".equals(given().get("/models/scape/landscape").then().extract().path("state")));

        JsonPath job = given().get("/models/scape/landscape").then().extract().jsonPath();
        assertEquals(64, job.getInt("held_out_rows"));
        assertEquals(stepsAtRequest, job.getLong("steps"), "the copy was taken before the rows it holds out were trained");
        List<Float> line = job.getList("result.line.loss", Float.class);
        assertEquals(5, line.size());
        double center = job.getDouble("result.center_loss");
        assertEquals(center, line.get(2), 1e-6 * center, "the line's middle point is the current parameters");
        List<List<Float>> plane = job.getList("result.plane.loss");
        assertEquals(5, plane.size());
        assertEquals(center, ((Number) ((List<?>) plane.get(2)).get(2)).doubleValue(), 1e-6 * center, "and the plane's");
        double lambda = job.getDouble("result.sharpness.lambda_max");
        assertTrue(lambda > 0 && Double.isFinite(lambda), "a trained classifier's loss curves upward: " + lambda);
        assertTrue(line.get(0) > center && line.get(4) > center, "near a minimum the loss rises both ways: " + line);

        // a request whose work is over the bound is refused before it starts, with the estimate
        declare("scape-big", 512);
        given().contentType("application/json").body("{\"points\": 41, \"rows\": 4096, \"iterations\": 100}")
                .post("/models/scape-big/landscape").then().statusCode(413)
                .body("errors[0]", containsString("streamfit.landscape.max-multiply-adds"));
    }
}
