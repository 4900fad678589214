package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Promise 4 of issue 5: with several instances of the packaged service in one ownership group,
 * models move between them on scale-up, failure (SIGKILL) and scale-down (SIGTERM) while records
 * keep arriving; each new owner restores from the snapshot topic before it trains, and nothing
 * is trained twice or skipped.
 *
 * <p>Four models, each on its own partition of a four-partition models topic, so that every
 * split of the partitions splits the models. Two read one-partition topics and must end bitwise
 * equal to an uninterrupted in-memory run; two read three-partition topics and must account for
 * every record exactly once in their committed lineage.
 */
class RebalanceIT {
    private static final int OWNERSHIP_PARTITIONS = 4;
    private static final int RECORDS = 480; // per model topic; 3 examples each, one record = one batch
    private static final int CHUNKS = 4;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EmbeddedKafka kafka;
    private static Path dir;
    /** Model id to its topic's partition count. */
    private static final Map<String, Integer> MODELS = new LinkedHashMap<>();

    private static String spec(String id) {
        return ReferenceRun.spec(id, 3, 5);
    }

    @BeforeAll
    static void setUp() throws Exception {
        kafka = EmbeddedKafka.start(null);
        dir = Files.createDirectories(Path.of("target", "it-rebalance"));
        Path models = Files.createDirectories(dir.resolve("models"));
        // Ids that land on four different partitions of the models topic.
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; MODELS.size() < OWNERSHIP_PARTITIONS; i++) {
            String id = "move" + i;
            if (taken.add(ModelOwnership.partitionOf(id, OWNERSHIP_PARTITIONS))) {
                MODELS.put(id, MODELS.size() < 2 ? 1 : 3);
            }
        }
        for (var m : MODELS.entrySet()) {
            Files.writeString(models.resolve(m.getKey() + ".yaml"), spec(m.getKey()));
            TestKafka.createTopic(kafka.bootstrapServers(), m.getKey() + ".examples", m.getValue());
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        kafka.close();
    }

    private static Process start(int port, String name) throws IOException {
        return PackagedService.start(kafka.bootstrapServers(), dir.resolve("models"), port, dir.resolve(name + ".log"),
                "-Dstreamfit.ownership.instance-name=" + name,
                "-Dkafka.session.timeout.ms=6000", "-Dkafka.heartbeat.interval.ms=1000",
                "-Dstreamfit.ownership.partitions=" + OWNERSHIP_PARTITIONS);
    }

    /** The partitions an instance holds, or null while it does not answer. */
    private static Set<Integer> owned(int port) {
        JsonNode c = PackagedService.get(port, "/cluster");
        if (c == null) {
            return null;
        }
        Set<Integer> out = new TreeSet<>();
        c.path("ownership").path("owned_partitions").forEach(n -> out.add(n.asInt()));
        return out;
    }

    /** The models an instance runs (phase running), by id. */
    private static Map<String, JsonNode> running(int port) {
        JsonNode all = PackagedService.get(port, "/models?scope=local");
        Map<String, JsonNode> out = new HashMap<>();
        if (all != null) {
            all.path("models").forEach(m -> {
                if ("running".equals(m.path("phase").asText())) {
                    out.put(m.path("id").asText(), m);
                }
            });
        }
        return out;
    }

    /** Waits until the instances on {@code ports} split every partition (and so every model) among themselves, each holding some. */
    private static double awaitSplit(String what, int... ports) throws InterruptedException {
        long t0 = System.nanoTime();
        TestKafka.await(what, Duration.ofSeconds(120), Duration.ofMillis(500), () -> {
            Set<Integer> union = new HashSet<>();
            Set<String> models = new HashSet<>();
            int total = 0;
            for (int port : ports) {
                Set<Integer> o = owned(port);
                Map<String, JsonNode> r = running(port);
                if (o == null || o.isEmpty() || r.isEmpty()) {
                    return false;
                }
                union.addAll(o);
                total += o.size();
                r.keySet().retainAll(MODELS.keySet()); // models posted over HTTP share partitions with these
                models.addAll(r.keySet());
                if (r.size() != o.size()) {
                    return false; // one model per partition here
                }
            }
            return total == OWNERSHIP_PARTITIONS && union.size() == OWNERSHIP_PARTITIONS && models.equals(MODELS.keySet());
        });
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Waits until every model has trained {@code examples} on some instance. */
    private static void awaitTrained(long examples, int... ports) throws InterruptedException {
        TestKafka.await("every model trained " + examples + " examples", Duration.ofSeconds(180), Duration.ofMillis(500), () -> {
            Map<String, Long> seen = new HashMap<>();
            for (int port : ports) {
                running(port).forEach((id, m) -> seen.merge(id, m.path("examples_seen").asLong(), Math::max));
            }
            return MODELS.keySet().stream().allMatch(id -> seen.getOrDefault(id, -1L) == examples);
        });
    }

    private static void produce(List<byte[]> records, int from, int to) {
        MODELS.forEach((id, partitions) -> TestKafka.produce(kafka.bootstrapServers(), id + ".examples",
                records.subList(from, to), partitions));
    }

    @Test
    void modelsMoveOnScaleUpFailureAndScaleDownAndNothingIsTrainedTwiceOrSkipped() throws Exception {
        List<byte[]> records = ReferenceRun.records(RECORDS, 3);
        int chunk = RECORDS / CHUNKS;
        int portA = PackagedService.freePort();
        Process a = start(portA, "instance-a");
        int portB = PackagedService.freePort();
        Process b = null;
        int portC = PackagedService.freePort();
        Process c = null;
        try {
            produce(records, 0, chunk);
            awaitSplit("A alone trains every model", portA);
            awaitTrained(3L * chunk, portA);

            // Scale-up: B joins; half the models move to it, each restored from its snapshot.
            b = start(portB, "instance-b");
            double scaleUp = awaitSplit("A and B share the models", portA, portB);
            Map<String, JsonNode> moved = running(portB);
            for (JsonNode m : moved.values()) {
                assertTrue(m.path("restored_version").asLong() > 0, "B restored " + m.path("id") + " from its snapshot: " + m);
            }
            produce(records, chunk, 2 * chunk);
            awaitTrained(3L * 2 * chunk, portA, portB);
            // Any instance answers for every model: A relays requests for B's models to B.
            String onB = moved.keySet().iterator().next();
            HttpResponse<String> viaA = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portA + "/models/" + onB)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, viaA.statusCode(), viaA.body());
            assertEquals("instance-b", viaA.headers().firstValue("X-Streamfit-Served-By").orElse(""), "served by B");
            assertTrue(viaA.body().contains("\"id\":\"" + onB + "\""), viaA.body());
            HttpResponse<String> predicted = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portA + "/models/" + onB + "/predict"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"x\": [0,1,0,1,0,1,0,1]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, predicted.statusCode(), predicted.body());
            assertTrue(predicted.body().contains("predictions"), predicted.body());
            // GET /models on either instance lists every model once, with the instance training it.
            for (int port : new int[] {portA, portB}) {
                Map<String, String> listed = new HashMap<>();
                PackagedService.get(port, "/models").path("models").forEach(m -> assertEquals(null,
                        listed.put(m.path("id").asText(), m.path("instance").asText()), "listed once: " + m.path("id")));
                for (String id : MODELS.keySet()) {
                    assertEquals(running(portB).containsKey(id) ? "instance-b" : "instance-a", listed.get(id),
                            id + " listed by " + port);
                }
            }
            // A request already relayed once is answered where it lands: 404 naming the owner.
            HttpResponse<String> relayed = HTTP
                    .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portA + "/models/" + onB))
                            .header("X-Streamfit-Forwarded-By", "test").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, relayed.statusCode());
            assertTrue(relayed.body().contains("held by instance instance-b (127.0.0.1:" + portB + ")"), relayed.body());

            // A model created over HTTP on an instance that does not own it: stored in the
            // models topic, 202, and trained by its owner; the id is taken on every instance.
            Set<Integer> ofB = owned(portB);
            String created = null;
            for (int i = 0; created == null; i++) {
                if (ofB.contains(ModelOwnership.partitionOf("posted" + i, OWNERSHIP_PARTITIONS))) {
                    created = "posted" + i;
                }
            }
            String posted = created;
            assertEquals(202, PackagedService.post(portA, "/models", spec(created)), "accepted for the owner");
            TestKafka.await("B trains the model posted to A", Duration.ofSeconds(60), Duration.ofMillis(500),
                    () -> running(portB).containsKey(posted));
            assertEquals(409, PackagedService.post(portA, "/models", spec(created)), "the id is taken, seen from A");
            assertEquals(409, PackagedService.post(portB, "/models", spec(created)), "the id is taken, seen from B");
            assertTrue(!running(portA).containsKey(created), "A does not train it");

            // Failure: A is killed; B takes its models once A's session expires.
            long killedAt = System.nanoTime();
            a.destroyForcibly();
            a.waitFor(30, TimeUnit.SECONDS);
            produce(records, 2 * chunk, 3 * chunk);
            awaitSplit("B alone after A was killed", portB);
            double failover = (System.nanoTime() - killedAt) / 1e9;
            awaitTrained(3L * 3 * chunk, portB);

            // Scale-up again, then scale-down: C joins, then B is stopped and C takes everything.
            c = start(portC, "instance-c");
            awaitSplit("B and C share the models", portB, portC);
            produce(records, 3 * chunk, RECORDS);
            long stopAt = System.nanoTime();
            b.destroy(); // SIGTERM: final snapshots, then B leaves the group
            assertTrue(b.waitFor(30, TimeUnit.SECONDS), "B stops within its shutdown budget");
            assertEquals(0, b.exitValue(), "B exits 0 on SIGTERM");
            awaitSplit("C alone after B stopped", portC);
            double scaleDown = (System.nanoTime() - stopAt) / 1e9;
            awaitTrained(3L * RECORDS, portC);
            TestKafka.await("the posted model moved with its partition", Duration.ofSeconds(30), Duration.ofMillis(500),
                    () -> running(portC).containsKey(posted));
            System.out.printf(
                    "RebalanceIT: models trained by their new owner %.1f s after B started (scale-up, incl. B's start-up), "
                            + "%.1f s after A was killed (failure, session timeout 6 s), %.1f s after SIGTERM to B (scale-down)%n",
                    scaleUp, failover, scaleDown);
        } finally {
            for (Process proc : new Process[] {a, b, c}) {
                if (proc != null && proc.isAlive()) {
                    proc.destroy();
                    proc.waitFor(30, TimeUnit.SECONDS);
                }
            }
        }

        int versions = 0;
        for (var m : MODELS.entrySet()) {
            List<byte[]> lineage = CommittedLineage.committed(kafka.bootstrapServers(), m.getKey());
            versions += lineage.size();
            if (m.getValue() == 1) {
                ModelSpec spec = SpecParser.parse(spec(m.getKey()));
                CommittedLineage.assertBitwise(ReferenceRun.over(spec, records),
                        SnapshotCodec.decode(lineage.get(lineage.size() - 1), spec));
            } else {
                CommittedLineage.assertEveryRecordOnce(m.getKey(), lineage, m.getValue(), RECORDS / m.getValue(), 3);
            }
        }
        System.out.printf(
                "RebalanceIT: 4 models moved over 3 instances (scale-up, SIGKILL, scale-up, SIGTERM); %d committed versions checked%n",
                versions);
    }
}
