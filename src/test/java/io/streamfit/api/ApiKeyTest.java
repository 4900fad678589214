package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.streamfit.stream.KafkaTestResource;
import io.streamfit.stream.TestKafka;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * With {@code streamfit.api.keys} set, writes and validation need a key (refused with a problem
 * body); reads, predictions, health and metrics stay open.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(ApiKeyTest.WithKeys.class)
class ApiKeyTest {
    public static class WithKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("streamfit.api.keys", "s3cret,next-key");
        }
    }

    static {
        StreamfitServiceTest.yamlBodiesAreText();
    }

    private static final String SPEC = StreamfitServiceTest.LEARN_SPEC.replace("id: learn", "id: guarded")
            .replace("topic: learn.in", "topic: guarded.in");

    @Test
    void writesNeedAKeyReadsDoNot() throws Exception {
        TestKafka.createTopic(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class), "guarded.in", 1);
        given().contentType("application/yaml").body(SPEC).post("/models").then().statusCode(401)
                .header("WWW-Authenticate", "Bearer realm=\"streamfit\"")
                .contentType(startsWith("application/problem+json")).body("status", equalTo(401))
                .body("instance", equalTo("/models"))
                .body("errors[0]", equalTo("this request needs an API key: Authorization: Bearer <key> or X-API-Key: <key>"));
        given().header("Authorization", "Bearer wrong").contentType("application/yaml").body(SPEC).post("/models")
                .then().statusCode(401).body("errors[0]", equalTo("the API key is not valid"));
        given().get("/models/guarded").then().statusCode(404); // the refused requests created nothing
        given().header("Authorization", "Bearer s3cret").contentType("application/yaml").body(SPEC).post("/models")
                .then().statusCode(anyOf(equalTo(201), equalTo(202)));
        given().post("/models/guarded/resume").then().statusCode(401);
        given().header("X-API-Key", "next-key").post("/models/guarded/resume").then().statusCode(409); // authorized, not paused
        // the console's actions: pause, and a landscape (work on the service's thread) need the key; its reads do not
        given().post("/models/guarded/pause").then().statusCode(401);
        given().contentType("application/json").body("{}").post("/models/guarded/landscape").then().statusCode(401);
        given().get("/models/guarded/landscape").then().statusCode(200).body("state", equalTo("none"));
        given().get("/models/guarded/history").then().statusCode(200);
        given().get("/").then().statusCode(200).contentType(startsWith("text/html"))
                .header("Content-Security-Policy", startsWith("default-src 'self'"));
        given().get("/models/guarded").then().body("paused", equalTo(false)); // the refused pause changed nothing

        given().get("/models").then().statusCode(200);
        given().get("/models/guarded").then().statusCode(200);
        // validate parses up to 1 MiB of spec: it needs a key too
        given().contentType("application/yaml").body(SPEC).post("/models/validate").then().statusCode(401)
                .contentType(startsWith("application/problem+json"));
        given().header("X-API-Key", "s3cret").contentType("application/yaml").body(SPEC).post("/models/validate").then()
                .statusCode(200);
        given().contentType("application/json").body("{\"x\":[1,2,3]}").post("/models/guarded/predict").then()
                .statusCode(not(equalTo(401)));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }
}
