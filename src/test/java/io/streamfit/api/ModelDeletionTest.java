package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.streamfit.stream.KafkaTestResource;
import io.streamfit.stream.TestKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, items 6 and 8, through a real broker: {@code DELETE /models/{id}} needs a key,
 * stops the model, tombstones its spec and snapshots, deletes its consumer group, and the id can
 * be created again from scratch; the model limit ({@code streamfit.max-models}) counts the
 * models topic and frees a slot when a model is deleted.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(ModelDeletionTest.Profile.class)
class ModelDeletionTest {
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("streamfit.api.keys", "del-key", "streamfit.max-models", "2");
        }
    }

    static {
        RestAssured.config = RestAssured.config().encoderConfig(
                EncoderConfig.encoderConfig().encodeContentTypeAs("application/yaml", ContentType.TEXT));
    }

    private static String spec(String id) {
        return StreamfitServiceTest.LEARN_SPEC.replace("id: learn", "id: " + id).replace("topic: learn.in",
                "topic: " + id + ".in");
    }

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static void feed(String topic, int records) {
        TestKafka.produce(bootstrap(), topic, TestKafka.synthetic(records, 0));
    }

    /** The newest value of every key of a compacted topic, read to its end (null: a tombstone). */
    private static Map<String, byte[]> newestByKey(String topic) {
        Map<String, Object> cfg = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                100 << 20);
        Map<String, byte[]> newest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cfg, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    newest.put(r.key(), r.value());
                }
            }
        }
        return newest;
    }

    private static boolean groupExists(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            return admin.listConsumerGroups().all().get().stream().map(ConsumerGroupListing::groupId).anyMatch(group::equals);
        }
    }

    @Test
    void aDeletedModelIsStoppedForgottenAndItsIdStartsFresh() throws Exception {
        String id = "doomed";
        TestKafka.createTopic(bootstrap(), id + ".in", 1);
        given().header("X-API-Key", "del-key").contentType("application/yaml").body(spec(id)).post("/models").then()
                .statusCode(201);
        feed(id + ".in", 100);
        TestKafka.await("2000 examples trained and snapshotted", Duration.ofSeconds(90), () -> {
            JsonPath s = given().get("/models/" + id).then().statusCode(200).extract().jsonPath();
            Object offset = s.get("snapshot_positions.0.offset");
            return offset != null && ((Number) offset).longValue() == 100;
        });
        assertTrue(newestByKey("streamfit.snapshots").get(id) != null, "a snapshot exists before the delete");
        assertTrue(groupExists("streamfit." + id), "the model's consumer group exists before the delete");

        // the limit (2) counts the models topic: a second model fits, a third does not
        TestKafka.createTopic(bootstrap(), "second.in", 1);
        given().header("X-API-Key", "del-key").contentType("application/yaml").body(spec("second")).post("/models").then()
                .statusCode(201);
        given().header("X-API-Key", "del-key").contentType("application/yaml").body(spec("third")).post("/models").then()
                .statusCode(409)
                .body("errors[0]", containsString("streamfit.max-models")).body("errors[0]", containsString("limit is 2"));

        given().delete("/models/" + id).then().statusCode(401);
        given().header("X-API-Key", "wrong").delete("/models/" + id).then().statusCode(401);
        given().header("X-API-Key", "del-key").delete("/models/" + id).then().statusCode(200).body("deleted", equalTo(true));

        given().get("/models/" + id).then().statusCode(404);
        given().get("/models").then().statusCode(200).body("models.id", not(hasItem(id)));
        given().header("X-API-Key", "del-key").delete("/models/" + id).then().statusCode(404);
        Map<String, byte[]> snapshots = newestByKey("streamfit.snapshots");
        assertTrue(snapshots.containsKey(id) && snapshots.get(id) == null, "the snapshot key is tombstoned");
        Map<String, byte[]> models = newestByKey("streamfit.models");
        assertTrue(models.containsKey(id) && models.get(id) == null, "the spec is tombstoned in the models topic");
        assertFalse(groupExists("streamfit." + id), "the consumer group is deleted");

        // a slot is free again; the same id starts from scratch (nothing restored), then learns again
        given().header("X-API-Key", "del-key").contentType("application/yaml").body(spec(id)).post("/models").then()
                .statusCode(201);
        TestKafka.await("the re-created model restored", Duration.ofSeconds(60),
                () -> {
                    Object v = given().get("/models/" + id).then().extract().jsonPath().get("restored_version");
                    return v != null && ((Number) v).longValue() >= 0;
                });
        JsonPath again = given().get("/models/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals(0, ((Number) again.get("restored_version")).longValue(),
                "a new model of a deleted id restores nothing: " + again.prettify());
    }
}
