package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.streamfit.data.RecordDecoder;
import io.streamfit.demo.SyntheticProblem;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.stream.KafkaTestResource;
import io.streamfit.stream.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.ConfigProvider;
import org.hamcrest.Matcher;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The service end to end against a real broker: a model declared over HTTP learns a synthetic
 * stream, publishes snapshots to the snapshot topic, exports metrics, serves predictions; bad
 * specs and bad prediction requests get clear errors.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class StreamfitServiceTest {
    static final String LEARN_SPEC = """
            id: learn
            topic: learn.in
            input_width: 8
            task: {type: classification, classes: 4}
            layers:
              - {type: dense, units: 32}
              - {type: gelu}
              - {type: dense, units: 4}
            optimizer: {type: adam, lr: 0.01}
            gradient_clipping: {max_norm: 5.0}
            batch_size: 16
            seed: 1
            snapshot: {every_steps: 50, every_seconds: 1}
            evaluation: {window: 50}
            """;

    static {
        yamlBodiesAreText();
    }

    /** REST Assured must be told that YAML bodies are text. */
    static void yamlBodiesAreText() {
        RestAssured.config = RestAssured.config().encoderConfig(
                EncoderConfig.encoderConfig().encodeContentTypeAs("application/yaml", ContentType.TEXT));
    }

    /** What POST /models answers for a model this instance trains: 201 once it runs, 202 while it starts. */
    static final Matcher<Integer> CREATED = Matchers.anyOf(equalTo(201), equalTo(202));

    /** A numeric field of a status, or -1 while it is absent (the model is still restoring). */
    private static long number(JsonPath status, String path) {
        Object v = status.get(path);
        return v == null ? -1 : ((Number) v).longValue();
    }

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    @Test
    void aDeclaredModelLearnsTheStreamAndPublishesSnapshots() throws Exception {
        TestKafka.createTopic(bootstrap(), "learn.in", 1);
        given().contentType("application/yaml").body(LEARN_SPEC).post("/models")
                .then().statusCode(CREATED).body("id", equalTo("learn"));

        SyntheticProblem p = new SyntheticProblem(8, 4, 3, 0);
        List<byte[]> records = new ArrayList<>();
        float[] x = new float[20 * 8];
        int[] y = new int[20];
        for (int i = 0; i < 300; i++) { // 6000 examples
            p.next(20, x, y);
            records.add(RecordDecoder.encodeBinary(20, 8, x, y, null, 1));
        }
        TestKafka.produce(bootstrap(), "learn.in", records);
        TestKafka.await("6000 examples trained and a snapshot covering them", Duration.ofSeconds(90), () -> {
            JsonPath s = given().get("/models/learn").then().statusCode(200).extract().jsonPath();
            return number(s, "examples_seen") == 6000 && number(s, "snapshot_positions.0.offset") == 300;
        });

        JsonPath status = given().get("/models/learn").then().extract().jsonPath();
        double accuracy = status.getDouble("prequential.accuracy");
        assertTrue(accuracy > 0.8, "prequential accuracy " + accuracy + " should be far above chance (0.25)");
        assertEquals("running", status.getString("phase"));
        assertTrue(status.getBoolean("ready"));
        assertEquals("adam", status.getString("optimizer"));
        assertEquals("constant", status.getString("schedule"));
        assertEquals(status.getLong("parameters"), status.getLong("trainable_parameters"), "nothing frozen");

        // the snapshot topic holds committed snapshots of this model, versions increasing
        List<Long> versions = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readCommitted(bootstrap(), "streamfit.snapshots")) {
            if ("learn".equals(new String(r.key(), StandardCharsets.UTF_8))) {
                Map<String, String> meta = SnapshotCodec.metadata(r.value());
                versions.add(Long.parseLong(meta.get("version")));
            }
        }
        assertFalse(versions.isEmpty(), "a snapshot appeared on the snapshot topic");
        for (int i = 1; i < versions.size(); i++) {
            assertEquals(versions.get(i - 1) + 1, versions.get(i), "versions " + versions);
        }
        assertEquals(status.getLong("version"), versions.get(versions.size() - 1));

        // download the latest snapshot
        byte[] file = given().get("/models/learn/snapshot").then().statusCode(200)
                .header("Content-Type", containsString("application/octet-stream")).extract().asByteArray();
        assertEquals(Long.toString(status.getLong("version")), SnapshotCodec.metadata(file).get("version"));

        // predictions on the current parameters
        p.next(1, x, y);
        StringBuilder row = new StringBuilder("[");
        for (int j = 0; j < 8; j++) {
            row.append(j == 0 ? "" : ",").append(x[j]);
        }
        row.append(']');
        given().contentType("application/json").body("{\"x\":[" + row + "," + row + "]}").post("/models/learn/predict")
                .then().statusCode(200).body("predictions", hasSize(2)).body("probabilities[0]", hasSize(4))
                .body("model", equalTo("learn"));

        // metrics, named by Prometheus conventions and tagged by model
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String name : List.of("streamfit_examples_trained_total{model=\"learn\"}",
                "streamfit_batches_trained_total{model=\"learn\"}",
                "streamfit_prequential_loss{model=\"learn\"}", "streamfit_prequential_accuracy_ratio{model=\"learn\"}",
                "streamfit_gradient_norm{model=\"learn\"}", "streamfit_gradient_clipped_steps_total{model=\"learn\"}",
                "streamfit_learning_rate{model=\"learn\"}", "streamfit_step_duration_seconds_bucket{model=\"learn\"",
                "streamfit_snapshot_version{model=\"learn\"}", "streamfit_snapshot_age_seconds{model=\"learn\"}",
                "streamfit_snapshot_duration_seconds_bucket{model=\"learn\"",
                "streamfit_snapshot_commit_duration_seconds_bucket{model=\"learn\"",
                "streamfit_consumer_lag_records{model=\"learn\"}")) {
            assertTrue(metrics.contains(name), name + " missing from /q/metrics");
        }
        assertTrue(metrics.contains("streamfit_examples_trained_total{model=\"learn\"} 6000.0"), "examples counter");
        assertTrue(metrics.contains("streamfit_learning_rate{model=\"learn\"} 0.01"), "learning rate gauge");

        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/models").then().statusCode(200).body("models.id", hasItem("learn"));
    }

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * The producer examples of docs/specs.md#input-records ({@code examples/produce.py} and the kcat
     * line, which the README's "Declare a model" also shows); they were the README's before issue 14.
     */
    @Test
    void theReadmeProducerExamplesWork() throws Exception {
        boolean python = runs("/usr/bin/python3", "-c", "import confluent_kafka, numpy");
        boolean kcat = runs("kcat", "-V");
        Assumptions.assumeTrue(python || kcat, "neither python3-confluent-kafka nor kcat is installed");
        TestKafka.createTopic(bootstrap(), "readme.in", 1);
        given().contentType("application/yaml")
                .body(LEARN_SPEC.replace("id: learn", "id: readme").replace("topic: learn.in", "topic: readme.in")
                        .replace("input_width: 8", "input_width: 4").replace("classes: 4", "classes: 10")
                        .replace("units: 4}", "units: 10}")
                        .replace("batch_size: 16", "batch_size: 1"))
                .post("/models").then().statusCode(CREATED);
        long expected = 0;
        if (python) {
            assertTrue(runs("/usr/bin/python3", "examples/produce.py", bootstrap(), "readme.in"), "examples/produce.py failed");
            expected += 17;
        }
        if (kcat) {
            Process p = new ProcessBuilder("kcat", "-P", "-b", bootstrap(), "-t", "readme.in").start();
            p.getOutputStream()
                    .write("{\"x\":[[0.1,0.5,0.0,1.2],[0.3,0.1,0.9,0.0]],\"y\":[3,0]}\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            assertEquals(0, p.waitFor(), "kcat -P failed");
            expected += 2;
        }
        long want = expected;
        TestKafka.await(want + " README examples trained", Duration.ofSeconds(60),
                () -> number(given().get("/models/readme").then().extract().jsonPath(), "examples_seen") == want);
        given().get("/models/readme").then().body("last_error", Matchers.nullValue());
    }

    @Test
    void invalidSpecsAreRejectedWithTheFieldAndReason() {
        given().contentType("application/yaml").body(LEARN_SPEC.replace("id: learn", "id: bad").replace("units: 32", "units: -3"))
                .post("/models").then().statusCode(400)
                .body("errors", hasItem("layers[0].units must be > 0, got -3"));
        given().contentType("application/json").body("{\"id\": 5}").post("/models").then().statusCode(400)
                .body("errors", hasItem("id must be a string, got 5"));
        given().contentType("application/json").body("not: [valid").post("/models").then().statusCode(400)
                .body("errors[0]", containsString("spec is not valid YAML/JSON"));
        given().contentType("application/yaml").body(LEARN_SPEC.replace("id: learn", "id: other")).post("/models/validate")
                .then().statusCode(200).body("valid", equalTo(true));
        given().get("/models/bad").then().statusCode(404).body("errors[0]", equalTo("no model with id \"bad\""));
    }

    @Test
    void duplicateIdsAndBadPredictionsAreClearErrors() throws Exception {
        TestKafka.createTopic(bootstrap(), "dup.in", 1);
        String spec = LEARN_SPEC.replace("id: learn", "id: dup").replace("topic: learn.in", "topic: dup.in");
        given().contentType("application/yaml").body(spec).post("/models").then().statusCode(CREATED);
        given().contentType("application/yaml").body(spec).post("/models").then().statusCode(409)
                .body("errors[0]", equalTo("id \"dup\" is already declared"));
        TestKafka.await("dup restored", Duration.ofSeconds(30),
                () -> "running".equals(given().get("/models/dup").then().extract().jsonPath().getString("phase")));
        given().contentType("application/json").body("{\"x\":[1,2,3]}").post("/models/dup/predict").then().statusCode(400)
                .body("errors[0]", equalTo("x must have 8 numbers, got 3"));
        given().contentType("application/json").body("{\"y\":1}").post("/models/dup/predict").then().statusCode(400)
                .body("errors[0]", containsString("x must be an array"));
        given().contentType("application/json").body("{\"x\":[1,2,3,4,5,6,7,\"a\"]}").post("/models/dup/predict").then()
                .statusCode(400)
                .body("errors[0]", equalTo("x[7] must be a finite number, got \"a\""));
    }

    /** Issue 12, item 2: 3.5e38 is a finite double but float32 infinity; it used to answer 200 with NaN. */
    @Test
    void predictBeyondFloatRangeIsA400NamingTheElement() throws Exception {
        TestKafka.createTopic(bootstrap(), "floaty.in", 1);
        String spec = LEARN_SPEC.replace("id: learn", "id: floaty").replace("topic: learn.in", "topic: floaty.in");
        given().contentType("application/yaml").body(spec).post("/models").then().statusCode(201);
        TestKafka.await("floaty restored", Duration.ofSeconds(30),
                () -> "running".equals(given().get("/models/floaty").then().extract().jsonPath().getString("phase")));
        given().contentType("application/json").body("{\"x\":[[0,0,0,3.5e38,0,0,0,0]]}").post("/models/floaty/predict")
                .then().statusCode(400).body("errors[0]", equalTo("x[0][3] is 3.5E38, beyond float32 range"));
        given().contentType("application/json").body("{\"x\":[0,1e39,0,0,0,0,0,0]}").post("/models/floaty/predict")
                .then().statusCode(400).body("errors[0]", equalTo("x[1] is 1.0E39, beyond float32 range"));
        given().contentType("application/json").body("{\"x\":[0,1,0,0,0,0,0,0]}").post("/models/floaty/predict")
                .then().statusCode(200).body("predictions", hasSize(1));
    }

    @Test
    void earlyStoppingOverHttpBestSnapshotPauseAndResume() throws Exception {
        TestKafka.createTopic(bootstrap(), "stopper.in", 1);
        // min_delta 100: only the first check improves; patience 1 pauses at the second.
        String spec = LEARN_SPEC.replace("id: learn", "id: stopper").replace("topic: learn.in", "topic: stopper.in")
                + "early_stopping: {holdout_every: 2, check_batches: 1, patience: 1, min_delta: 100}\n";
        given().contentType("application/yaml").body(spec).post("/models").then().statusCode(CREATED);
        SyntheticProblem p = new SyntheticProblem(8, 4, 3, 0);
        List<byte[]> records = new ArrayList<>();
        float[] x = new float[16 * 8];
        int[] y = new int[16];
        for (int i = 0; i < 20; i++) {
            p.next(16, x, y);
            records.add(RecordDecoder.encodeBinary(16, 8, x, y, null, 1));
        }
        TestKafka.produce(bootstrap(), "stopper.in", records);
        TestKafka.await("all 20 batches scored: 10 held out", Duration.ofSeconds(60),
                () -> number(given().get("/models/stopper").then().extract().jsonPath(),
                        "early_stopping.held_out_examples") == 160);
        // The best snapshot is booked once its commit, on the commit thread, ended.
        TestKafka.await("the best snapshot committed", Duration.ofSeconds(30),
                () -> number(given().get("/models/stopper").then().extract().jsonPath(),
                        "early_stopping.best_snapshot_version") >= 1);
        JsonPath status = given().get("/models/stopper").then().statusCode(200).extract().jsonPath();
        assertEquals("paused", status.getString("early_stopping.state"));
        assertEquals(2, number(status, "steps"), "batches 1 and 3 trained; 2 and 4 held out, the check at 4 paused");
        assertEquals(1, number(status, "early_stopping.checks_without_improvement"));
        long bestVersion = number(status, "early_stopping.best_snapshot_version");
        assertTrue(bestVersion >= 1, status.prettify());

        byte[] best = given().get("/models/stopper/snapshot?tag=best").then().statusCode(200)
                .header("Content-Disposition", containsString("stopper-best.safetensors")).extract().asByteArray();
        assertEquals(Long.toString(bestVersion), SnapshotCodec.metadata(best).get("version"));
        given().get("/models/stopper/snapshot?tag=newest").then().statusCode(400)
                .body("errors[0]", equalTo("tag must be latest, best or pre-drift, got \"newest\""));
        given().get("/models/stopper/snapshot?tag=pre-drift").then().statusCode(404).body("errors[0]",
                equalTo("model stopper has no pre-drift snapshot: its spec has no drift.tag_pre_drift, which is what tags one"));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String series : List.of("streamfit_training_paused{model=\"stopper\"} 1.0",
                "streamfit_examples_not_trained_total{model=\"stopper\",reason=\"held_out\"}",
                "streamfit_early_stopping_events_total{event=\"pause\",model=\"stopper\"} 1.0",
                "streamfit_validation_best_loss{model=\"stopper\"}")) {
            assertTrue(metrics.contains(series), series + " in\n" + metrics);
        }

        given().post("/models/stopper/resume").then().statusCode(202);
        TestKafka.produce(bootstrap(), "stopper.in", records.subList(0, 4));
        TestKafka.await("stopper trains again, then pauses at the next check", Duration.ofSeconds(60),
                () -> number(given().get("/models/stopper").then().extract().jsonPath(), "early_stopping.resumes") == 1
                        && number(given().get("/models/stopper").then().extract().jsonPath(), "early_stopping.pauses") == 2);
        assertEquals(3, number(given().get("/models/stopper").then().extract().jsonPath(), "steps"),
                "one more step (batch 21), paused again by the check at batch 22");

        TestKafka.createTopic(bootstrap(), "plain.in", 1);
        given().contentType("application/yaml")
                .body(LEARN_SPEC.replace("id: learn", "id: plain").replace("topic: learn.in", "topic: plain.in"))
                .post("/models").then().statusCode(CREATED);
        given().post("/models/plain/resume").then().statusCode(409)
                .body("errors[0]", containsString("model plain is not paused"));
        given().get("/models/plain/snapshot?tag=best").then().statusCode(404)
                .body("errors[0]", containsString("no early_stopping section"));
    }
}
