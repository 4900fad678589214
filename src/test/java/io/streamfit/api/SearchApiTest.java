package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.streamfit.data.RecordDecoder;
import io.streamfit.demo.SyntheticProblem;
import io.streamfit.stream.KafkaTestResource;
import io.streamfit.stream.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * A search posted to the service like any spec: it trains on the stream, its leaderboard is at
 * {@code GET /models/{id}/search} and its progress in the model's status, its metrics are
 * exported; a search whose snapshots could not fit is refused when posted.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
class SearchApiTest {
    static {
        StreamfitServiceTest.yamlBodiesAreText();
    }

    private static final String SEARCH = """
            id: hpo-http
            topic: hpo-http.in
            input_width: 8
            task: {type: classification, classes: 4}
            layers: [{type: dense, units: {choice: [8, 16]}}, {type: relu}, {type: dense, units: 4}]
            optimizer: {type: adam, lr: {log_uniform: [0.001, 0.1]}}
            batch_size: 16
            seed: 1
            search: {strategy: random, trials: 3, budget: {examples: 960}, seed: 2}
            """;

    @Test
    void aPostedSearchTrainsAndShowsItsLeaderboard() throws Exception {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        TestKafka.createTopic(bootstrap, "hpo-http.in", 1);
        given().contentType("application/yaml").body(SEARCH).post("/models").then().statusCode(StreamfitServiceTest.CREATED);
        SyntheticProblem p = new SyntheticProblem(8, 4, 3, 0);
        List<byte[]> records = new ArrayList<>();
        float[] x = new float[20 * 8];
        int[] y = new int[20];
        for (int i = 0; i < 40; i++) { // 800 examples: 320 in the search (3 x 320 of compute), 480 for the winner
            p.next(20, x, y);
            records.add(RecordDecoder.encodeBinary(20, 8, x, y, null, 1));
        }
        TestKafka.produce(bootstrap, "hpo-http.in", records);
        TestKafka.await("the search chose its winner", Duration.ofSeconds(90), () -> {
            JsonPath s = given().get("/models/hpo-http").then().statusCode(200).extract().jsonPath();
            return Boolean.TRUE.equals(s.get("search.done")) && s.getLong("examples_seen") == 800;
        });
        JsonPath board = given().get("/models/hpo-http/search").then().statusCode(200).extract().jsonPath();
        assertEquals("random", board.getString("strategy"));
        assertEquals(960, board.getLong("compute_examples"), "3 trials x 320 examples");
        List<Map<String, Object>> rows = board.getList("leaderboard");
        assertEquals(3, rows.size());
        assertEquals("winner", rows.get(0).get("status"));
        assertEquals(List.of("finished", "finished"), rows.subList(1, 3).stream().map(r -> r.get("status")).toList());
        assertEquals(board.getInt("winner"), rows.get(0).get("trial"));
        double best = ((Number) rows.get(0).get("score")).doubleValue();
        for (Map<String, Object> r : rows.subList(1, 3)) {
            assertTrue(best <= ((Number) r.get("score")).doubleValue(), "the winner has the lowest score: " + rows);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> values = (Map<String, Object>) rows.get(0).get("values");
        assertEquals(Map.of("layers[0].units", 0, "optimizer.lr", 0).keySet(), values.keySet());
        JsonPath status = given().get("/models/hpo-http").then().extract().jsonPath();
        assertEquals(board.getInt("winner"), status.getInt("search.winner"));
        assertEquals(800, status.getLong("examples_seen"), "the winner trained every record from the first");
        given().get("/models/hpo-http/spec").then().statusCode(200).body("search.strategy", equalTo("random"));

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String series : List.of("streamfit_search_done{model=\"hpo-http\"} 1.0",
                "streamfit_search_slot_trial{model=\"hpo-http\",slot=\"1\"} " + board.getInt("winner") + ".0",
                "streamfit_search_trials_started{model=\"hpo-http\"} 3.0")) {
            assertTrue(metrics.contains(series), series + " in the metrics");
        }
    }

    @Test
    void aModelWithoutASearchHasNoLeaderboardAndATooLargeSearchIsRefused() throws Exception {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        TestKafka.createTopic(bootstrap, "nosearch.in", 1);
        given().contentType("application/yaml").body(SEARCH.replace("hpo-http", "nosearch").replaceAll("search: \\{.*\\}\n", "")
                .replace("{choice: [8, 16]}", "8").replace("{log_uniform: [0.001, 0.1]}", "0.01")).post("/models").then()
                .statusCode(StreamfitServiceTest.CREATED);
        given().get("/models/nosearch/search").then().statusCode(409)
                .body("errors[0]", equalTo("model nosearch has no search section: it trains one model"));
        // 64 trials of up to 4096 x 4096 weights, with Adam: far beyond the snapshot limit.
        given().contentType("application/yaml")
                .body(SEARCH.replace("hpo-http", "huge").replace("input_width: 8", "input_width: 4096")
                        .replace("{choice: [8, 16]}", "{choice: [8, 4096]}").replace("trials: 3", "trials: 64")
                        .replace("examples: 960", "examples: 100000"))
                .post("/models").then().statusCode(400)
                .body("errors[0]", containsString("the search's live trials (65 models at most, each in the snapshot)"));
    }
}
