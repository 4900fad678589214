package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasKey;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.KafkaTestResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, items 6 and 8, with ownership off: the specs directory holds the operator's specs
 * and the ones written by {@code POST /models} ({@code <id>.json}). Beyond
 * {@code streamfit.max-models} directory specs are rejected specs and POST is refused; DELETE
 * stops a model and removes the file it was written to, and refuses (409) a spec from any other
 * file.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(ModelDeletionLocalTest.Profile.class)
class ModelDeletionLocalTest {
    static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("streamfit-local-delete");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RestAssured.config = RestAssured.config().encoderConfig(
                EncoderConfig.encoderConfig().encodeContentTypeAs("application/yaml", ContentType.TEXT));
    }

    static String spec(String id) {
        return StreamfitServiceTest.LEARN_SPEC.replace("id: learn", "id: " + id).replace("topic: learn.in",
                "topic: " + id + ".in");
    }

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Files.writeString(DIR.resolve("a-operator.yaml"), spec("local-a"));
                Files.writeString(DIR.resolve("local-b.json"), SpecParser.toJson(SpecParser.parse(spec("local-b"))));
                Files.writeString(DIR.resolve("z-over.yaml"), spec("local-over"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("streamfit.ownership.enabled", "false", "streamfit.models-dir", DIR.toString(), "streamfit.max-models",
                    "2");
        }
    }

    @Test
    void theLimitRejectsDirectorySpecsAndPostsAndDeleteRemovesOnlyWrittenSpecs() {
        given().get("/models").then().statusCode(200).body("rejected_specs", hasKey("local-over"))
                .body("rejected_specs.local-over", containsString("streamfit.max-models"));
        given().get("/models/local-over").then().statusCode(404);
        given().contentType("application/yaml").body(spec("local-new")).post("/models").then().statusCode(409)
                .body("errors[0]", containsString("limit is 2"));

        given().delete("/models/local-a").then().statusCode(409).body("errors[0]", containsString("specs directory"));
        given().get("/models/local-a").then().statusCode(200);

        given().delete("/models/local-b").then().statusCode(200);
        given().get("/models/local-b").then().statusCode(404);
        assertFalse(Files.exists(DIR.resolve("local-b.json")), "the written spec file is removed");
        assertTrue(Files.exists(DIR.resolve("a-operator.yaml")));

        given().contentType("application/yaml").body(spec("local-new")).post("/models").then().statusCode(201);
        assertTrue(Files.exists(DIR.resolve("local-new.json")), "POST writes the spec file");
        given().delete("/models/local-new").then().statusCode(200);
        given().get("/models/local-new").then().statusCode(404);
        assertFalse(Files.exists(DIR.resolve("local-new.json")), "DELETE removes it");
        given().delete("/models/local-new").then().statusCode(404);
    }
}
