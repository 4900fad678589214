package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, items 6, 10 and 11, with packaged instances of the service in one ownership group:
 * <ul>
 *   <li>Instances A and B share a cluster secret but have DIFFERENT API keys, so a write that A
 *       relays to B can only be authorized by the signature: it works with A's key; B refuses
 *       forged and expired signatures.</li>
 *   <li>A third group member, played by this test (an HTTP server that records what it is sent),
 *       shows that a relayed request carries a valid signature and none of the caller's
 *       credentials.</li>
 *   <li>{@code DELETE} on the instance that does not train the model deletes it everywhere.</li>
 *   <li>With {@code streamfit.api.require-keys=true} and no key, the service does not start.</li>
 * </ul>
 */
class ClusterSecurityIT {
    private static final String SECRET = "it-cluster-secret-0123456789";
    private static final int PARTITIONS = 6;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EmbeddedKafka kafka;
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        kafka = EmbeddedKafka.start(null);
        dir = Files.createDirectories(Path.of("target", "it-cluster-security"));
        Files.createDirectories(dir.resolve("models"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        kafka.close();
    }

    private static Process start(int port, String name, String... extra) throws IOException {
        List<String> args = new ArrayList<>(
                List.of("-Dstreamfit.ownership.instance-name=" + name, "-Dkafka.session.timeout.ms=6000",
                        "-Dkafka.heartbeat.interval.ms=1000", "-Dstreamfit.ownership.partitions=" + PARTITIONS));
        args.addAll(List.of(extra));
        return PackagedService.start(kafka.bootstrapServers(), dir.resolve("models"), port, dir.resolve(name + ".log"),
                args.toArray(String[]::new));
    }

    private static HttpResponse<String> send(int port, String method, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** HMAC-SHA256 as documented (written here independently of the service's code). */
    private static String sign(String method, String pathAndQuery, long time, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String canonical = method + "\n" + pathAndQuery + "\n" + time + "\n"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8)));
    }

    private static Set<Integer> owned(int port) {
        JsonNode c = PackagedService.get(port, "/cluster");
        Set<Integer> out = new TreeSet<>();
        if (c != null) {
            c.path("ownership").path("owned_partitions").forEach(n -> out.add(n.asInt()));
        }
        return out;
    }

    /** An id whose partition of the models topic is one of {@code partitions}. */
    private static String idIn(Set<Integer> partitions, String prefix) {
        for (int i = 0;; i++) {
            if (partitions.contains(ModelOwnership.partitionOf(prefix + i, PARTITIONS))) {
                return prefix + i;
            }
        }
    }

    private static String spec(String id) {
        return ReferenceRun.spec(id, 3, 5);
    }

    @Test
    void relayedRequestsAreSignedNeverCarryTheCallersKeyAndDeleteWorksFromAnyInstance() throws Exception {
        int portA = PackagedService.freePort();
        int portB = PackagedService.freePort();
        Process a = start(portA, "sec-a", "-Dstreamfit.api.keys=key-a", "-Dstreamfit.cluster.secret=" + SECRET);
        Process b = null;
        try {
            TestKafka.await("A joined", Duration.ofSeconds(120), () -> owned(portA).size() == PARTITIONS);
            b = start(portB, "sec-b", "-Dstreamfit.api.keys=key-b", "-Dstreamfit.cluster.secret=" + SECRET);
            TestKafka.await("A and B share the partitions", Duration.ofSeconds(120),
                    () -> !owned(portB).isEmpty() && owned(portA).size() + owned(portB).size() == PARTITIONS);

            // A model trained by B, created through A with A's key.
            String id = idIn(owned(portB), "onb");
            TestKafka.createTopic(kafka.bootstrapServers(), id + ".examples", 1);
            assertEquals(202,
                    send(portA, "POST", "/models", spec(id), Map.of("X-API-Key", "key-a", "Content-Type", "application/yaml"))
                            .statusCode());
            TestKafka.await("B trains " + id, Duration.ofSeconds(60), () -> PackagedService.get(portB, "/models/" + id) != null);

            // A relayed write: A's key is unknown to B, so only the signature can authorize it there.
            HttpResponse<String> resume = send(portA, "POST", "/models/" + id + "/resume", "", Map.of("X-API-Key", "key-a"));
            assertEquals(409, resume.statusCode(), "B answered (no early stopping to resume), not 401: " + resume.body());
            assertEquals("sec-b", resume.headers().firstValue("X-Streamfit-Served-By").orElse(null));
            assertEquals(401, send(portA, "POST", "/models/" + id + "/resume", "", Map.of("X-API-Key", "key-b")).statusCode(),
                    "A checks the caller's key itself");

            // Forged relays straight to B.
            long now = System.currentTimeMillis() / 1000;
            String path = "/models/" + id + "/resume";
            assertEquals(401, send(portB, "POST", path, "", Map.of("X-Streamfit-Forwarded-By", "streamfit")).statusCode(),
                    "header alone");
            assertEquals(401, send(portB, "POST", path, "", Map.of("X-Streamfit-Forwarded-By", "streamfit",
                    "X-Streamfit-Relay-Time", Long.toString(now), "X-Streamfit-Relay-Signature", "forged")).statusCode(),
                    "forged");
            assertEquals(401, send(portB, "POST", path, "", Map.of("X-Streamfit-Forwarded-By", "streamfit",
                    "X-Streamfit-Relay-Time", Long.toString(now - 300), "X-Streamfit-Relay-Signature",
                    sign("POST", path, now - 300, new byte[0])))
                    .statusCode(), "expired");
            assertEquals(409, send(portB, "POST", path, "", Map.of("X-Streamfit-Forwarded-By", "streamfit",
                    "X-Streamfit-Relay-Time", Long.toString(now), "X-Streamfit-Relay-Signature",
                    sign("POST", path, now, new byte[0])))
                    .statusCode(), "a valid signature made with the secret is accepted");

            // DELETE on A, which does not train the model: relayed to B, which stops and retires it.
            HttpResponse<String> deleted = send(portA, "DELETE", "/models/" + id, null, Map.of("X-API-Key", "key-a"));
            assertEquals(200, deleted.statusCode(), deleted.body());
            for (int port : List.of(portA, portB)) {
                assertEquals(404, PackagedService.code(port, "/models/" + id), "forgotten on " + port);
                JsonNode all = PackagedService.get(port, "/models");
                all.path("models").forEach(m -> assertFalse(id.equals(m.path("id").asText()), "not listed on " + port));
            }

            fakeMemberSeesNoCredentials(portA, portB);
        } finally {
            for (Process p : new Process[] {a, b}) {
                if (p != null) {
                    p.destroy();
                    p.waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** A group member played by this test: what A relays to it has a valid signature and no credentials. */
    private void fakeMemberSeesNoCredentials(int portA, int portB) throws Exception {
        List<Map<String, List<String>>> seen = new CopyOnWriteArrayList<>();
        List<String> paths = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            seen.add(ex.getRequestHeaders());
            paths.add(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
            ex.getRequestBody().readAllBytes();
            byte[] out = "{}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
        AtomicBoolean running = new AtomicBoolean(true);
        String clientId = "streamfit-owner-fake@127.0.0.1:" + server.getAddress().getPort();
        Thread member = new Thread(() -> {
            Map<String, Object> cfg = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "streamfit.owners", ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                    ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000,
                    ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000);
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cfg, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                c.subscribe(List.of("streamfit.models"));
                while (running.get()) {
                    c.poll(Duration.ofMillis(200));
                }
            }
        }, "fake-owner");
        member.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Set<Integer> fakes = new TreeSet<>();
            TestKafka.await("the fake member holds partitions", Duration.ofSeconds(60), () -> {
                fakes.clear();
                try {
                    for (MemberDescription m : admin.describeConsumerGroups(List.of("streamfit.owners")).describedGroups()
                            .get("streamfit.owners").get().members()) {
                        if (m.clientId().equals(clientId)) {
                            m.assignment().topicPartitions().stream().map(TopicPartition::partition).forEach(fakes::add);
                        }
                    }
                } catch (Exception e) {
                    return false;
                }
                return !fakes.isEmpty() && owned(portA).stream().noneMatch(fakes::contains);
            });
            String id = idIn(fakes, "onfake");
            Thread.sleep(6000); // A's cached owners (5 s) expire
            HttpResponse<String> r = send(portA, "POST", "/models/" + id + "/predict?probe=1", "{\"x\":[1,2,3]}",
                    Map.of("X-API-Key", "key-a", "Authorization", "Bearer key-a", "Content-Type", "application/json"));
            assertEquals(200, r.statusCode(), "A relayed to the fake member: " + r.body());
            assertEquals(1, seen.size(), "one relayed request: " + paths);
            Map<String, List<String>> h = seen.get(0);
            assertNull(h.get("X-api-key"), "the caller's X-API-Key is not relayed: " + h);
            assertNull(h.get("Authorization"), "the caller's Authorization is not relayed: " + h);
            String time = h.get("X-streamfit-relay-time").get(0);
            String path = "/models/" + id + "/predict?probe=1";
            assertEquals("POST " + path, paths.get(0));
            assertEquals(sign("POST", path, Long.parseLong(time), "{\"x\":[1,2,3]}".getBytes(StandardCharsets.UTF_8)),
                    h.get("X-streamfit-relay-signature").get(0),
                    "signed with the cluster secret over method, path, query, time and body");
        } finally {
            running.set(false);
            member.join(10_000);
            server.stop(0);
        }
    }

    @Test
    void withRequiredKeysAndNoKeyTheServiceDoesNotStart() throws Exception {
        int port = PackagedService.freePort();
        Path log = dir.resolve("no-keys.log");
        Process p = PackagedService.start(kafka.bootstrapServers(), dir.resolve("models"), port, log,
                "-Dstreamfit.api.require-keys=true");
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the service exits on its own");
            assertEquals(1, p.exitValue(), "a failed start-up");
            String out = Files.readString(log);
            assertTrue(out.contains("streamfit.api.require-keys is true but no API key is configured"), out);
            assertTrue(out.contains("streamfit.api.keys"), "names the setting to fix");
            assertEquals(-1, PackagedService.code(port, "/q/health/live"), "nothing listens");
        } finally {
            p.destroyForcibly();
        }
    }
}
