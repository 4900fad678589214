package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.streamfit.service.StoredSpec;
import io.streamfit.stream.KafkaTestResource;
import io.streamfit.stream.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /models/validate} and {@code POST /models} run the same checks; a spec too large to
 * store is the client's error (413); the status codes of create and predict say what is true of
 * the model's phase (issue 12, items 14 and 15).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class CreateAndPredictStatusTest {
    static {
        StreamfitServiceTest.yamlBodiesAreText();
    }

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static String spec(String id) {
        return StreamfitServiceTest.LEARN_SPEC.replace("id: learn", "id: " + id).replace("topic: learn.in",
                "topic: " + id + ".in");
    }

    @Test
    void validateRefusesWhatCreateRefuses() {
        // 3000 x 3000 weights with Adam: about 108 MB of snapshot, over the 64 MiB limit.
        String huge = spec("huge").replace("input_width: 8", "input_width: 3000").replace("units: 32", "units: 3000");
        String reason = "more than the snapshot limit";
        ProblemDetailsTest
                .problem(given().contentType("application/yaml").body(huge).post("/models/validate"), 400, "/models/validate")
                .getList("errors").forEach(e -> assertTrue(((String) e).contains(reason), String.valueOf(e)));
        given().contentType("application/yaml").body(huge).post("/models").then().statusCode(400)
                .body("errors[0]", containsString(reason));
        given().get("/models/huge").then().statusCode(404);
    }

    @Test
    void aSpecTooLargeToStoreIsTheClientsError() {
        // Under the 1 MiB body bound as YAML ("{type: relu},\n ": 15 bytes a layer), over the
        // bound of the canonical JSON that is stored ("{"type":"relu"},": 16 bytes).
        String head = spec("wide").substring(0, spec("wide").indexOf("layers:"));
        String tail = spec("wide").substring(spec("wide").indexOf("optimizer:"));
        StringBuilder yaml = new StringBuilder(head).append("layers: [");
        while (yaml.length() < 1_000_000) {
            yaml.append("{type: relu},\n "); // one per line: YAML lines are bounded too
        }
        yaml.append("{type: dense, units: 4}]\n").append(tail);
        assertTrue(yaml.toString().getBytes(StandardCharsets.UTF_8).length <= RequestBodies.MAX_SPEC_BYTES);
        for (String path : new String[] {"/models/validate", "/models"}) {
            JsonPath p = ProblemDetailsTest.problem(given().contentType("application/yaml").body(yaml.toString()).post(path), 413,
                    path);
            assertTrue(p.getString("detail").contains("more than the " + StoredSpec.MAX_BYTES + " one stored spec may take"),
                    p.prettify());
        }
        given().get("/models/wide").then().statusCode(404);
    }

    @Test
    void createAnswers201OnlyOnceTheModelRuns() throws Exception {
        TestKafka.createTopic(bootstrap(), "runs.in", 1);
        Response r = given().contentType("application/yaml").body(spec("runs")).post("/models");
        r.then().statusCode(anyOf(equalTo(201), equalTo(202))).header("Location", "/models/runs");
        String phase = r.jsonPath().getString("phase");
        if (r.statusCode() == 201) {
            assertEquals("running", phase, r.asString());
        } else {
            assertTrue(phase.equals("starting") || phase.equals("restoring"), r.asString());
            assertEquals("1", r.header("Retry-After"));
        }
        TestKafka.await("runs runs", Duration.ofSeconds(30),
                () -> "running".equals(given().get("/models/runs").then().extract().jsonPath().getString("phase")));
        given().contentType("application/json").body("{\"x\":[1,2,3,4,5,6,7,8]}").post("/models/runs/predict").then()
                .statusCode(200);
    }

    @Test
    void aFailedModelSaysSoInsteadOfStillRestoring() throws Exception {
        TestKafka.createTopic(bootstrap(), "orphan.in", 1);
        // Its pre-trained source does not exist: the model fails while restoring.
        given().contentType("application/yaml").body(spec("orphan") + "pretrained: {model: ghost-of-nothing}\n").post("/models")
                .then().statusCode(202).body("phase", anyOf(equalTo("starting"), equalTo("restoring"), equalTo("failed")));
        TestKafka.await("orphan failed", Duration.ofSeconds(30),
                () -> "failed".equals(given().get("/models/orphan").then().extract().jsonPath().getString("phase")));
        JsonPath p = ProblemDetailsTest.problem(given().contentType("application/json").body("{\"x\":[1,2,3,4,5,6,7,8]}")
                .post("/models/orphan/predict"), 409, "/models/orphan/predict");
        String detail = p.getString("detail");
        assertTrue(detail.startsWith("model orphan is failed and predicts nothing: "), detail);
        assertTrue(detail.contains("ghost-of-nothing"), "names the last error: " + detail);
        given().get("/models/orphan").then().body("phase", equalTo("failed")).body("last_error",
                containsString("ghost-of-nothing"));
        given().get("/models").then().body("models.id", hasItem("orphan"));
    }
}
