package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.streamfit.metrics.MetricNames;
import io.streamfit.snapshot.Position;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.NativeThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The failures an operator must hear of, each made for real, and the alert that must go pending
 * for it in a real Prometheus: the runners train against an in-JVM Kafka broker, their meters
 * are scraped every second from a {@link PrometheusMeterRegistry} served over HTTP, and
 * {@code /usr/bin/prometheus} evaluates the shipped {@code deploy/prometheus/alerts.yml} every
 * second. "Pending within its time" is checked here: the alert's expression turns true within
 * {@link #PENDING_WITHIN} of the failure (a few scrapes and evaluations; in production, a scrape
 * and an evaluation interval). The {@code for} that follows, and so the whole time to alert, is
 * checked by {@code promtool} in {@code PrometheusRulesTest} and {@code TransactionAlertTimingTest}
 * (docs/alerts.md states each).
 */
class FailureAlertsTest {
    private static final Duration PENDING_WITHIN = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final PrometheusMeterRegistry METRICS = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private static EmbeddedKafka kafka;
    private static KafkaClients clients;
    private static SnapshotStore store;
    private static HttpServer service;
    /** A second scrape target standing for a pod that crashes. */
    private static HttpServer doomed;
    private static Process prometheus;
    private static int promPort;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/prometheus")),
                "needs Debian's prometheus (/usr/bin/prometheus); .ci/run installs it");
        NativeThreads.configure(1);
        kafka = EmbeddedKafka.start(null);
        clients = new KafkaClients(Map.of("bootstrap.servers", kafka.bootstrapServers()));
        store = new SnapshotStore(clients, "streamfit.snapshots", 16 << 20, Optional.empty());
        store.ensureTopic();
        service = serve(METRICS);
        doomed = serve(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        Path dir = Files.createDirectories(Path.of("target", "failure-alerts"));
        promPort = PackagedService.freePort();
        Files.writeString(dir.resolve("prometheus.yml"), """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: ["%s"]
                scrape_configs:
                  - job_name: streamfit
                    static_configs: [{targets: ["127.0.0.1:%d", "127.0.0.1:%d"]}]
                """.formatted(Path.of("deploy", "prometheus", "alerts.yml").toAbsolutePath(), service.getAddress().getPort(),
                doomed.getAddress().getPort()));
        prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("tsdb-" + System.nanoTime()),
                "--web.listen-address=127.0.0.1:" + promPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        TestKafka.await("Prometheus scrapes both targets", Duration.ofSeconds(60), Duration.ofMillis(500),
                () -> query("sum(up{job=\"streamfit\"})").path(0).path("value").path(1).asText().equals("2"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            prometheus.waitFor(30, TimeUnit.SECONDS);
        }
        if (service != null) {
            service.stop(0);
            doomed.stop(0);
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Serves {@code registry}'s scrape at {@code /metrics} on a free port. */
    private static HttpServer serve(PrometheusMeterRegistry registry) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/metrics", exchange -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        s.start();
        return s;
    }

    private static JsonNode query(String promql) {
        try {
            String url = "http://127.0.0.1:" + promPort + "/api/v1/query?query="
                    + URLEncoder.encode(promql, StandardCharsets.UTF_8);
            return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                    .body()).path("data").path("result");
        } catch (Exception e) {
            return JSON.createArrayNode();
        }
    }

    /** The state of {@code alert} for {@code label=value} (pending, firing), or "inactive". */
    private static String alertState(String alert, String label, String value) {
        JsonNode r = query("ALERTS{alertname=\"" + alert + "\", " + label + "=\"" + value + "\"}");
        return r.isEmpty() ? "inactive" : r.get(0).path("metric").path("alertstate").asText();
    }

    /** Asserts {@code alert} goes pending (or fires, for a rule without {@code for}) within {@link #PENDING_WITHIN}. */
    private static void assertAlert(String alert, String label, String value) throws InterruptedException {
        long t0 = System.nanoTime();
        TestKafka.await(alert + " for " + label + "=" + value, PENDING_WITHIN, Duration.ofMillis(250),
                () -> !alertState(alert, label, value).equals("inactive"));
        System.out.printf("FailureAlertsTest: %s %s=%s %s after %.1f s%n", alert, label, value,
                alertState(alert, label, value), (System.nanoTime() - t0) / 1e9);
    }

    private static ModelRunnerKafkaTest.Running run(ModelSpec spec, KafkaClients with) {
        return ModelRunnerKafkaTest.Running.start(spec, with, store, METRICS);
    }

    /** A model {@code id} (3 classes, batches of 8) on a new topic {@code <id>.in} of {@code records} records of 5 examples. */
    private static ModelRunnerKafkaTest.Running runOnNewTopic(String id, int records, String snapshot, KafkaClients with)
            throws Exception {
        TestKafka.createTopic(kafka.bootstrapServers(), id + ".in", 1);
        TestKafka.produce(kafka.bootstrapServers(), id + ".in", ModelRunnerKafkaTest.records(records, 5));
        return run(SpecParser.parse(ModelRunnerKafkaTest.spec(id, id + ".in", 8, snapshot)), with);
    }

    /** Waits until Prometheus has scraped {@code model}'s running phase: the series before the failure exist. */
    private static void awaitScrapedRunning(String model) throws InterruptedException {
        TestKafka.await(model + " scraped running", Duration.ofSeconds(60), Duration.ofMillis(250),
                () -> !query("streamfit_model_phase{model=\"" + model + "\", phase=\"running\"} == 1").isEmpty());
    }

    @Test
    void aCrashedInstanceRaisesStreamfitDown() throws Exception {
        String instance = "127.0.0.1:" + doomed.getAddress().getPort();
        doomed.stop(0);
        assertAlert("StreamfitDown", "instance", instance);
    }

    @Test
    void aFailedModelRaisesModelNotRunning() throws Exception {
        KafkaClients broken = new KafkaClients(Map.of("bootstrap.servers", kafka.bootstrapServers())) {
            @Override
            public Producer<byte[], byte[]> transactionalProducer(String id, int maxRequestBytes) {
                throw new OutOfMemoryError("Java heap space (injected)");
            }
        };
        ModelRunnerKafkaTest.Running r = run(SpecParser.parse(ModelRunnerKafkaTest.spec("crashing", "crashing.in", 8,
                "{every_steps: 5, every_seconds: 0}")), broken);
        r.thread().join(30_000);
        assertEquals(RunnerPhase.FAILED, r.runner().phase());
        assertAlert("StreamfitModelNotRunning", "model", "crashing");
        assertEquals("failed", query("ALERTS{alertname=\"StreamfitModelNotRunning\", model=\"crashing\"}").get(0)
                .path("metric").path("phase").asText(), "the alert names the phase");
        r.meters().close();
    }

    @Test
    void aFencedModelRaisesModelNotRunning() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        ModelRunnerKafkaTest.Running r = runOnNewTopic("fenced", 40, "{every_steps: 2, every_seconds: 0.2}", clients);
        // Idle first, every record committed: a fencing that races a commit in flight can end the
        // other way round (the broker answers an unknown error, this runner re-initializes its
        // producer and fences the other one), as ModelRunnerKafkaTest's zombie case describes.
        TestKafka.await("all 40 records committed", Duration.ofSeconds(60),
                () -> r.runner().snapshotPositions().getOrDefault(0, new Position(0, 0)).offset() == 40);
        awaitScrapedRunning("fenced");
        Thread.sleep(500);
        // Another instance, elsewhere, initializes the model's transactional producer: this one is fenced.
        try (Producer<byte[], byte[]> other = clients.transactionalProducer("streamfit.fenced", 1 << 20)) {
            other.initTransactions();
            TestKafka.produce(bootstrap, "fenced.in", ModelRunnerKafkaTest.records(40, 5));
            r.thread().join(30_000);
        }
        assertEquals(RunnerPhase.FENCED, r.runner().phase());
        assertAlert("StreamfitModelNotRunning", "model", "fenced");
        r.meters().close();
    }

    @Test
    void aDivergingModelRaisesDivergenceRollbackThenModelNotRunning() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "hopeless2.in", 1);
        List<byte[]> data = new ArrayList<>(ModelRunnerKafkaTest.regression(20, 8, 1, 5));
        ModelSpec spec = ModelRunnerKafkaTest.regressionSpec("hopeless2", "hopeless2.in", 0.01,
                "{max_bad_steps: 2, lr_factor: 0.5, max_rollbacks: 2}");
        TestKafka.produce(bootstrap, "hopeless2.in", data);
        ModelRunnerKafkaTest.Running r = run(spec, clients);
        TestKafka.await("the good batches trained", Duration.ofSeconds(60), () -> r.examples() >= 160);
        awaitScrapedRunning("hopeless2");
        TestKafka.produce(bootstrap, "hopeless2.in", ModelRunnerKafkaTest.regression(10, 8, 1e30f, 6));
        r.thread().join(60_000);
        assertEquals(RunnerPhase.DIVERGED, r.runner().phase());
        assertAlert("StreamfitDivergenceRollback", "model", "hopeless2");
        assertAlert("StreamfitModelNotRunning", "model", "hopeless2");
        // Its input keeps waiting, and Kafka says how much: the lag a service reads for a model that is not running.
        TestKafka.produce(bootstrap, "hopeless2.in", ModelRunnerKafkaTest.regression(7, 8, 1, 7));
        try (var admin = clients.admin()) {
            assertEquals(10 + 7, CommittedLag.of(admin, "streamfit.hopeless2", "hopeless2.in", 10_000),
                    "the 10 records after its last snapshot and the 7 since");
        }
        r.meters().close();
    }

    @Test
    void failingTransactionsRaiseTransactionsFailing() throws Exception {
        AtomicInteger commits = new AtomicInteger();
        // Work trained since the last commit shows, whatever the lag (what StreamfitSnapshotTooOld
        // watches). Read when a commit fails, before the rollback zeroes it: the snapshot being
        // committed holds steps the last committed one does not. (Polled instead, it raced: the
        // gauge is above 0 only for the few milliseconds between a rollback and the next commit.)
        AtomicLong uncommittedAtFailure = new AtomicLong();
        Runnable sample = () -> uncommittedAtFailure.accumulateAndGet(
                (long) METRICS.get(MetricNames.EXAMPLES_UNCOMMITTED).tag("model", "refused").gauge().value(), Math::max);
        KafkaClients faulty = FaultyProducer.clients(Map.of("bootstrap.servers", kafka.bootstrapServers()), commits,
                List.of(2, 3, 4, 5, 6, 7, 8), new FaultyProducer.Faults(sample, false, new AtomicInteger()));
        ModelRunnerKafkaTest.Running r = runOnNewTopic("refused", 200, "{every_steps: 5, every_seconds: 0}", faulty);
        assertAlert("StreamfitTransactionsFailing", "model", "refused");
        assertTrue(r.runner().lastError().contains("injected failure"), r.runner().lastError());
        assertTrue(uncommittedAtFailure.get() > 0, "examples trained and not committed when a commit failed");
        // Seven failures in a row back off 0.5 + 1 + 2 + 4 + 8 + 16 + 30 = 61.5 s in all
        // (SnapshotLineage.backOffMillis), most of it after the alert fired: 60 s was too short.
        TestKafka.await("the commits work again", Duration.ofSeconds(120), () -> commits.get() > 9
                && METRICS.get(MetricNames.TRANSACTION_FAILURES_IN_A_ROW).tag("model", "refused").gauge().value() == 0);
        r.runner().stop();
        r.thread().join(30_000);
        assertEquals(0, METRICS.get(MetricNames.EXAMPLES_UNCOMMITTED).tag("model", "refused").gauge().value(),
                "the final snapshot holds everything trained");
        r.meters().close();
    }

    @Test
    void deadLettersRaiseDeadLetterRateFromTheFirstBurst() throws Exception {
        ModelRunnerKafkaTest.Running r = runOnNewTopic("garbage", 20, "{every_steps: 2, every_seconds: 0.2}", clients);
        TestKafka.await("the good records trained", Duration.ofSeconds(60), () -> r.examples() >= 80);
        awaitScrapedRunning("garbage");
        // One burst of five undecodable records: the counters existed at 0, so rate() sees it.
        List<byte[]> garbage = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            garbage.add(("not a record " + i).getBytes(StandardCharsets.UTF_8));
        }
        TestKafka.produce(kafka.bootstrapServers(), "garbage.in", garbage);
        assertAlert("StreamfitDeadLetterRate", "model", "garbage");
        r.stop();
    }
}
