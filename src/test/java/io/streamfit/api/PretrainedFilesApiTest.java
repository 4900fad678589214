package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.streamfit.stream.KafkaTestResource;
import org.junit.jupiter.api.Test;

/**
 * By default a spec sent over the API may not name a {@code pretrained.file}: POST and validate
 * refuse it alike with the reason, and nothing is stored or started (before, the service read
 * whatever path the spec named, e.g. /dev/zero, and kept the spec in the models topic).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class PretrainedFilesApiTest {
    static {
        RestAssured.config = RestAssured.config().encoderConfig(
                EncoderConfig.encoderConfig().encodeContentTypeAs("application/yaml", ContentType.TEXT));
    }

    static final String SPEC = StreamfitServiceTest.LEARN_SPEC.replace("id: learn", "id: zero").replace("topic: learn.in",
            "topic: zero.in")
            + "pretrained: {file: /dev/zero}\n";

    @Test
    void aFileSourceInASpecFromTheApiIsRefused() {
        String why = "pretrained.file is not allowed in specs sent over the API (streamfit.pretrained.allow-api-files is off)";
        given().contentType("application/yaml").body(SPEC).post("/models").then().statusCode(400).body(containsString(why));
        given().contentType("application/yaml").body(SPEC).post("/models/validate").then().statusCode(400)
                .body(containsString(why));
        given().get("/models/zero").then().statusCode(404);
    }
}
