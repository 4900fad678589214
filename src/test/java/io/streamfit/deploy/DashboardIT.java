package io.streamfit.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamfit.stream.PackagedService;
import io.streamfit.stream.TestKafka;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard and the alert rules work against the real thing: the packaged service
 * runs its demo (embedded broker, demo stream and model), a real Prometheus scrapes it and loads
 * {@code deploy/prometheus/alerts.yml}, and then every PromQL expression of the dashboard and of
 * the rules is evaluated through Prometheus' HTTP API. Each must parse; each dashboard query must
 * return data (a panel that shows nothing fails); every rule group must evaluate without error.
 * Every metric the dashboard and the rules name must be one the service exports. A second model
 * with early stopping reads the demo stream (so its meters exist too), and a few undecodable
 * records are written to the demo topic so the dead-letter panel has a series.
 */
class DashboardIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** A search of three trials on the demo's synthetic stream (ConsoleIT runs it too). */
    static final String DEMO_SEARCH = """
            id: demo-search
            topic: streamfit.demo.synthetic
            input_width: 32
            task: {type: classification, classes: 10}
            layers: [{type: dense, units: {choice: [8, 16]}}, {type: relu}, {type: dense, units: 10}]
            optimizer: {type: adam, lr: {log_uniform: [1.0e-4, 1.0e-2]}}
            batch_size: 32
            search: {strategy: random, trials: 3, budget: {examples: 1000000}}
            """;

    private static JsonNode query(int port, String promql) throws Exception {
        String url = "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static JsonNode api(int port, String path) throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Grafana's variables as a query sent by the dashboard with "All" selected would have them. */
    private static String asSent(String expr) {
        return expr.replace("$__rate_interval", "1m").replace("$__interval", "1m").replace("$model", ".*");
    }

    /**
     * What {@code promtool check metrics} finds in {@code scrape}, less one artefact: promtool 2.42
     * reads the samples of a counter ({@code x_total}) and of a long-task timer
     * ({@code x_active_count}, {@code x_duration_sum}) as families of their own, and reports them
     * without help text, while the text format the Prometheus client writes gives the help to
     * {@code x}. Such a finding is dropped only when {@code # HELP x} has a text.
     */
    private static List<String> lint(String scrape) throws Exception {
        Command r = Command.run(List.of("/usr/bin/promtool", "check", "metrics"), scrape);
        List<String> findings = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            Matcher m = Pattern.compile("^(\\w+?)(_total|_active_count|_duration_sum) no help text$").matcher(line.trim());
            boolean artefact = m.matches() && Pattern.compile("(?m)^# HELP " + m.group(1) + " \\S").matcher(scrape).find();
            if (!line.isBlank() && !artefact) {
                findings.add(line.trim());
            }
        }
        return findings;
    }

    @Test
    void everyPanelShowsDataAndEveryRuleEvaluates() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/prometheus")),
                "DashboardIT needs Debian's prometheus (/usr/bin/prometheus); .ci/run installs it");
        Path dir = Files.createDirectories(Path.of("target", "it-dashboard"));
        int servicePort = PackagedService.freePort();
        int promPort = PackagedService.freePort();
        // Beside the demo model, one with early stopping on the same stream: its meters exist too.
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve("watcher.yaml"), """
                id: demo-watcher
                topic: streamfit.demo.synthetic
                input_width: 32
                task: {type: classification, classes: 10}
                layers: [{type: dense, units: 16}, {type: relu}, {type: dense, units: 10}]
                optimizer: {type: adam, lr: 0.001}
                batch_size: 32
                early_stopping: {holdout_every: 5, check_batches: 2, patience: 3}
                """);
        // And a search on the same stream: its leaderboard meters exist too.
        Files.writeString(models.resolve("search.yaml"), DEMO_SEARCH);
        // The demo stream drifts every 20,000 examples (10 s): the demo model's detector fires, and
        // the dashboard's drift annotation has alarms to show.
        Process service = PackagedService.startDemo(servicePort, dir.resolve("service.log"), "-Dstreamfit.demo.dataset=synthetic",
                "-Dstreamfit.demo.drift-every=20000", "-Dstreamfit.models-dir=" + models.toAbsolutePath());
        Process prometheus = null;
        try {
            TestKafka.await("the three models train, and the demo model's drift detector fired", Duration.ofSeconds(120),
                    Duration.ofMillis(500), () -> {
                        JsonNode demo = PackagedService.get(servicePort, "/models/demo-synthetic");
                        JsonNode watcher = PackagedService.get(servicePort, "/models/demo-watcher");
                        JsonNode search = PackagedService.get(servicePort, "/models/demo-search/search");
                        return demo != null && demo.path("drift").path("alarms").asLong() > 0 && watcher != null
                                && watcher.path("steps").asLong() > 0
                                && search != null && search.path("leaderboard").size() == 3
                                && search.path("leaderboard").get(0).path("examples").asLong() > 0;
                    });
            // The endpoints the Kubernetes probes call answer UP, the startup one with its check.
            for (String probe : List.of("/q/health/started", "/q/health/live", "/q/health/ready")) {
                assertEquals(200, PackagedService.code(servicePort, probe), probe);
            }
            assertTrue(PackagedService.body(servicePort, "/q/health/started").contains("models-restored"),
                    "the startup check runs");
            assertEquals(List.of(), lint(PackagedService.body(servicePort, "/q/metrics")),
                    "promtool check metrics findings on /q/metrics");
            JsonNode demo = PackagedService.get(servicePort, "/models/demo-synthetic");
            String bootstrap = PackagedService.get(servicePort, "/cluster").path("bootstrap_servers").asText();
            List<byte[]> garbage = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                garbage.add(("not a record " + i).getBytes(StandardCharsets.UTF_8));
            }
            TestKafka.produce(bootstrap, demo.path("topic").asText(), garbage);

            Path rules = Path.of("deploy", "prometheus", "alerts.yml").toAbsolutePath();
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global: {scrape_interval: 2s, evaluation_interval: 2s}
                    rule_files: ["%s"]
                    scrape_configs:
                      - job_name: streamfit
                        metrics_path: /q/metrics
                        static_configs: [{targets: ["127.0.0.1:%d"]}]
                    """.formatted(rules, servicePort));
            prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("tsdb-" + System.nanoTime()),
                    "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            // Enough scrapes for rate() over the dashboard's 1m interval, with the garbage counted.
            TestKafka.await("30 s of scrapes", Duration.ofSeconds(120), Duration.ofSeconds(1), () -> {
                try {
                    JsonNode r = query(promPort,
                            "count_over_time(up{job=\"streamfit\"}[1m]) >= 15 and up{job=\"streamfit\"} == 1");
                    return r.path("data").path("result").size() == 1;
                } catch (Exception e) {
                    return false;
                }
            });

            JsonNode dashboard = JSON.readTree(Path.of("deploy", "grafana", "dashboards", "streamfit.json").toFile());
            Map<String, String> failures = new LinkedHashMap<>();
            int queries = 0;
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    String expr = asSent(target.path("expr").asText());
                    JsonNode r = query(promPort, expr);
                    queries++;
                    if (!"success".equals(r.path("status").asText())) {
                        failures.put(panel.path("title").asText() + ": " + expr, r.path("error").asText());
                    } else if (r.path("data").path("result").isEmpty()) {
                        failures.put(panel.path("title").asText() + ": " + expr, "no data");
                    }
                }
            }
            // The annotations' queries: each returns the demo's drift alarms of the last minute.
            for (JsonNode a : dashboard.path("annotations").path("list")) {
                String expr = asSent(a.path("expr").asText());
                JsonNode r = query(promPort, expr);
                queries++;
                if (r.path("data").path("result").isEmpty()) {
                    failures.put("annotation " + a.path("name").asText() + ": " + expr, "no data: " + r);
                }
            }
            assertTrue(Files.readString(dir.resolve("service.log")).contains("model demo-synthetic: drift alarm"),
                    "the drift alarm is in the log");
            // The model variable's query: label_values(<metric>, model) must list the demo model.
            String variable = "";
            for (JsonNode v : dashboard.path("templating").path("list")) {
                if ("model".equals(v.path("name").asText())) {
                    variable = v.path("definition").asText();
                }
            }
            String metric = variable.replaceAll("label_values\\((\\w+), *model\\)", "$1");
            JsonNode values = api(promPort, "/api/v1/label/model/values?match[]=" + metric);
            assertTrue(values.path("data").toString().contains(demo.path("id").asText()),
                    variable + " lists the demo model: " + values);

            JsonNode alerts = YAML.readTree(rules.toFile());
            int rulesChecked = 0;
            for (JsonNode group : alerts.path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    JsonNode r = query(promPort, rule.path("expr").asText());
                    rulesChecked++;
                    if (!"success".equals(r.path("status").asText())) {
                        failures.put("alert " + rule.path("alert").asText(), r.path("error").asText());
                    }
                }
            }
            // Prometheus loaded the same file and evaluated every rule without an error.
            TestKafka.await("rules evaluated", Duration.ofSeconds(30), Duration.ofSeconds(1), () -> {
                try {
                    JsonNode groups = api(promPort, "/api/v1/rules").path("data").path("groups");
                    return groups.size() == alerts.path("groups").size()
                            && groups.get(0).path("lastEvaluation").asText().compareTo("2000") > 0;
                } catch (Exception e) {
                    return false;
                }
            });
            for (JsonNode group : api(promPort, "/api/v1/rules").path("data").path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (!"ok".equals(rule.path("health").asText())) {
                        failures.put("alert " + rule.path("name").asText() + " as Prometheus evaluates it",
                                rule.path("lastError").asText());
                    }
                }
            }
            // Every metric the dashboard and the rules name is one the service exports.
            Set<String> exported = new TreeSet<>();
            api(promPort, "/api/v1/label/__name__/values").path("data").forEach(n -> exported.add(n.asText()));
            Set<String> named = new TreeSet<>();
            Matcher m = Pattern.compile("streamfit_[a-z_]+").matcher(dashboard.toString() + alerts.toString());
            while (m.find()) {
                named.add(m.group());
            }
            named.removeAll(exported);
            assertEquals(Set.of(), named, "metrics named by the dashboard or the rules that the service does not export");
            assertEquals(Map.of(), failures, "every dashboard query returns data and every rule evaluates");
            System.out.printf(
                    "DashboardIT: %d dashboard queries returned data and %d alert rules evaluated against a real Prometheus%n",
                    queries, rulesChecked);
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                prometheus.waitFor(30, TimeUnit.SECONDS);
            }
            service.destroy();
            service.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
