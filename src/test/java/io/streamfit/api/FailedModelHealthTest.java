package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.streamfit.stream.KafkaTestResource;
import io.streamfit.stream.TestKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/**
 * A model that fails while it restores (here: its pretrained.file is /dev/zero, which even a
 * directory that contains it does not make readable) ends in the failed phase with the reason;
 * readiness and the startup probe stay UP, and the status and the streamfit_model_failed
 * metric say it failed. Before, reading /dev/zero threw OutOfMemoryError, the model said
 * "restoring" for ever, and both probes answered 503. Its phase is exported, and its lag keeps
 * counting the records that wait for it (before, the lag of a model that was not running froze).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(FailedModelHealthTest.DevIsThePretrainedDir.class)
class FailedModelHealthTest {
    public static class DevIsThePretrainedDir implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("streamfit.pretrained.dir", "/dev", "streamfit.pretrained.allow-api-files", "true",
                    "streamfit.training.idle-lag-interval", "500ms");
        }
    }

    static {
        RestAssured.config = RestAssured.config().encoderConfig(
                EncoderConfig.encoderConfig().encodeContentTypeAs("application/yaml", ContentType.TEXT));
    }

    @Test
    void aFailedModelIsReportedAndHoldsNoProbeHostage() throws Exception {
        String spec = PretrainedFilesApiTest.SPEC.replace("file: /dev/zero", "file: zero");
        int code = given().contentType("application/yaml").body(spec).post("/models").then().extract().statusCode();
        assertTrue(code == 201 || code == 202, "accepted: " + code);
        TestKafka.await("the model to fail", Duration.ofSeconds(60),
                () -> "failed".equals(given().get("/models/zero").then().extract().path("phase")));
        given().get("/models/zero").then().statusCode(200).body("last_error",
                Matchers.equalTo("cannot read pretrained.file zero: is not a regular file (a device, pipe or socket)"));
        given().get("/q/health/ready").then().statusCode(200).body(containsString("failed, not ready"));
        given().get("/q/health/started").then().statusCode(200);
        String metrics = given().header("Accept", "text/plain; version=0.0.4").get("/q/metrics").then().statusCode(200).extract()
                .asString();
        assertEquals(1, metrics.lines().filter(l -> l.matches("streamfit_model_failed\\{model=\"zero\",?} 1\\.0")).count(),
                metrics.lines().filter(l -> l.contains("model_failed")).toList().toString());
        assertEquals(1, metrics.lines().filter(l -> l.matches("streamfit_model_phase\\{model=\"zero\",phase=\"failed\",?} 1\\.0"))
                .count(), "the phase is exported");
        String bootstrap = given().get("/cluster").then().statusCode(200).extract().path("bootstrap_servers");
        TestKafka.createTopic(bootstrap, "zero.in", 1);
        TestKafka.produce(bootstrap, "zero.in", List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}));
        TestKafka.await("the failed model's lag to count the 3 records waiting", Duration.ofSeconds(30), () -> given()
                .header("Accept", "text/plain; version=0.0.4").get("/q/metrics").then().extract().asString()
                .lines().anyMatch(l -> l.matches("streamfit_consumer_lag_records\\{model=\"zero\",?} 3\\.0")));
    }
}
