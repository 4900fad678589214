package io.streamfit.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard reads right, which {@link DashboardIT} cannot see: it only checks that
 * every query returns data. Each test here stands for a defect an operator reported in an earlier
 * dashboard: values of different scales or units on one axis (learning rate and divergence scale,
 * gradient norm and clipped fraction, snapshot version and age), rare events drawn as per-second
 * rates, a data source fixed by uid, fractions without 0-1 limits, panels without a unit, and
 * panels an operator missed (model phase, lag in seconds, input against training rate, what a
 * crash would lose, memory, GC and CPU). Two more keep the panels that were right and a layout
 * Grafana draws as written: every panel at the top level (DashboardIT reads only those), none
 * overlapping.
 */
class DashboardLayoutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path DASHBOARD = Path.of("deploy/grafana/dashboards/streamfit.json");
    private static final Path ALERTS = Path.of("deploy/prometheus/alerts.yml");
    private static final Pattern METRIC = Pattern.compile("\\b(?:streamfit|jvm|process)_[a-z0-9_]+");
    /** Counters of events that are rare: a rate in ops/s shows 0.003, a count per interval shows 1. */
    private static final List<String> RARE_EVENTS = List.of(
            "streamfit_records_rejected_total",
            "streamfit_gradient_skipped_steps_total",
            "streamfit_transaction_rollbacks_total",
            "streamfit_divergence_rollbacks_total");

    private static JsonNode dashboard() throws IOException {
        return JSON.readTree(DASHBOARD.toFile());
    }

    /** The panels that draw something: all but rows. */
    private static List<JsonNode> panels() throws IOException {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard().path("panels")) {
            if (!"row".equals(panel.path("type").asText())) {
                panels.add(panel);
            }
        }
        return panels;
    }

    private static String title(JsonNode panel) {
        return "panel '" + panel.path("title").asText() + "'";
    }

    private static Set<String> metrics(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    private static Set<String> metrics(JsonNode panel) {
        Set<String> names = new TreeSet<>();
        for (JsonNode target : panel.path("targets")) {
            names.addAll(metrics(target.path("expr").asText()));
        }
        return names;
    }

    /** The panels with a query naming {@code metric}; fails if there is none. */
    private static List<JsonNode> panelsNaming(String metric) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode panel : panels()) {
            if (metrics(panel).contains(metric)) {
                found.add(panel);
            }
        }
        assertFalse(found.isEmpty(), "some panel queries " + metric);
        return found;
    }

    /** The queries naming {@code metric}, each with its panel's title; fails if there is none. */
    private static Map<String, String> exprsNaming(String metric) throws IOException {
        Map<String, String> found = new LinkedHashMap<>();
        for (JsonNode panel : panelsNaming(metric)) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                if (metrics(expr).contains(metric)) {
                    found.put(expr, title(panel));
                }
            }
        }
        return found;
    }

    private static JsonNode defaults(JsonNode panel) {
        return panel.path("fieldConfig").path("defaults");
    }

    private static String unit(JsonNode panel) {
        return defaults(panel).path("unit").asText();
    }

    private static void assertLimits(JsonNode panel, double min, double max) {
        JsonNode d = defaults(panel);
        assertTrue(d.path("min").isNumber() && d.path("min").asDouble() == min, title(panel) + " has min " + min);
        assertTrue(d.path("max").isNumber() && d.path("max").asDouble() == max, title(panel) + " has max " + max);
    }

    /** The panel draws a threshold line at {@code value}. */
    private static void assertThresholdLine(JsonNode panel, double value) {
        assertEquals("line", defaults(panel).path("custom").path("thresholdsStyle").path("mode").asText(),
                title(panel) + " draws its thresholds as a line");
        boolean found = false;
        for (JsonNode step : defaults(panel).path("thresholds").path("steps")) {
            found |= step.path("value").isNumber() && step.path("value").asDouble() == value;
        }
        assertTrue(found, title(panel) + " has a threshold step at " + value);
    }

    /** No panel queries both metrics: they do not fit one axis. */
    private static void assertSeparate(String a, String b) throws IOException {
        for (JsonNode panel : panels()) {
            Set<String> names = metrics(panel);
            assertFalse(names.contains(a) && names.contains(b),
                    title(panel) + " draws " + a + " and " + b + " on one axis");
        }
    }

    /** The threshold of the StreamfitSnapshotTooOld alert on the snapshot age, in seconds. */
    private static double snapshotAlertThreshold() throws IOException {
        Pattern threshold = Pattern.compile("max by \\(model\\) \\(streamfit_snapshot_age_seconds\\)\\s*>\\s*([0-9.]+)");
        for (JsonNode group : YAML.readTree(ALERTS.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if ("StreamfitSnapshotTooOld".equals(rule.path("alert").asText())) {
                    Matcher m = threshold.matcher(rule.path("expr").asText());
                    assertTrue(m.find(), "StreamfitSnapshotTooOld compares max by (model) of the age with a number");
                    return Double.parseDouble(m.group(1));
                }
            }
        }
        return fail("alerts.yml has no StreamfitSnapshotTooOld");
    }

    @Test
    void learningRateAndDivergenceScaleHaveTheirOwnPanels() throws IOException {
        assertSeparate("streamfit_learning_rate", "streamfit_learning_rate_scale");
        for (JsonNode panel : panelsNaming("streamfit_learning_rate")) {
            assertEquals("log", defaults(panel).path("custom").path("scaleDistribution").path("type").asText(),
                    title(panel) + " has a log axis (the rate is around 0.001)");
        }
        panelsNaming("streamfit_learning_rate_scale");
    }

    @Test
    void gradientNormAndClippedFractionHaveTheirOwnPanels() throws IOException {
        assertSeparate("streamfit_gradient_norm", "streamfit_gradient_clipped_steps_total");
        panelsNaming("streamfit_gradient_norm");
        for (JsonNode panel : panelsNaming("streamfit_gradient_clipped_steps_total")) {
            assertEquals("percentunit", unit(panel), title(panel) + " shows a fraction");
            assertLimits(panel, 0, 1);
        }
    }

    @Test
    void snapshotAgeHasItsOwnPanelWithTheAlertsThreshold() throws IOException {
        assertSeparate("streamfit_snapshot_version", "streamfit_snapshot_age_seconds");
        panelsNaming("streamfit_snapshot_version");
        double threshold = snapshotAlertThreshold();
        for (JsonNode panel : panelsNaming("streamfit_snapshot_age_seconds")) {
            assertEquals("s", unit(panel), title(panel) + " shows seconds");
            assertThresholdLine(panel, threshold);
        }
        exprsNaming("streamfit_snapshot_age_seconds").forEach((expr, panel) -> assertTrue(
                expr.contains("max by (model) (streamfit_snapshot_age_seconds"),
                panel + " takes the oldest pod's age, as the alert does: " + expr));
    }

    @Test
    void rareEventsAreCountsPerInterval() throws IOException {
        for (String counter : RARE_EVENTS) {
            exprsNaming(counter).forEach((expr, panel) -> {
                assertTrue(expr.contains("increase(" + counter) && expr.contains("[$__interval]"),
                        panel + " counts " + counter + " per interval, over windows that do not overlap: " + expr);
                assertFalse(expr.contains("rate(" + counter), panel + " draws no rate of " + counter + ": " + expr);
            });
            for (JsonNode panel : panelsNaming(counter)) {
                assertEquals("bars", defaults(panel).path("custom").path("drawStyle").asText(),
                        title(panel) + " draws bars");
                assertEquals("short", unit(panel), title(panel) + " shows counts");
                assertTrue(panel.path("title").asText().toLowerCase().contains("per interval"),
                        title(panel) + " says its bars count per interval");
                // $__interval is the step, so each event falls in one bar; at least a minute, so
                // each window holds several scrapes (with $__rate_interval an event showed in ~4 bars)
                assertEquals("1m", panel.path("interval").asText(), title(panel) + " has a minimum interval");
            }
        }
    }

    @Test
    void everyQueryUsesTheDataSourceVariable() throws IOException {
        JsonNode dashboard = dashboard();
        JsonNode variable = null;
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if ("datasource".equals(v.path("name").asText())) {
                variable = v;
            }
        }
        assertTrue(variable != null, "the dashboard has a variable named datasource");
        assertEquals("datasource", variable.path("type").asText(), "the datasource variable picks a data source");
        assertEquals("prometheus", variable.path("query").asText(), "the datasource variable lists Prometheus ones");
        ObjectNode expected = JSON.createObjectNode().put("type", "prometheus").put("uid", "${datasource}");
        for (JsonNode panel : panels()) {
            assertEquals(expected, panel.path("datasource"), title(panel) + " uses the datasource variable");
            for (JsonNode target : panel.path("targets")) {
                assertEquals(expected, target.path("datasource"),
                        title(panel) + ", query " + target.path("refId").asText() + " uses the datasource variable");
            }
        }
        // Rows and variables too: nothing anywhere names a data source by its uid.
        for (JsonNode datasource : dashboard.findValues("datasource")) {
            assertEquals(expected, datasource, "every data source reference is the variable");
        }
    }

    @Test
    void accuracyIsAFractionBetweenZeroAndOne() throws IOException {
        for (JsonNode panel : panelsNaming("streamfit_prequential_accuracy_ratio")) {
            assertEquals("percentunit", unit(panel), title(panel) + " shows a fraction");
            assertLimits(panel, 0, 1);
        }
    }

    @Test
    void everyPanelHasAUnit() throws IOException {
        List<String> without = new ArrayList<>();
        for (JsonNode panel : panels()) {
            if (unit(panel).isEmpty()) {
                without.add(title(panel));
            }
        }
        assertEquals(List.of(), without, "panels without fieldConfig.defaults.unit");
    }

    @Test
    void thePanelsOperatorsAskedForExist() throws IOException {
        Map<String, String> units = new LinkedHashMap<>();
        units.put("streamfit_model_phase", "none");
        units.put("streamfit_examples_uncommitted", "short");
        units.put("streamfit_snapshot_bytes", "bytes");
        units.put("jvm_memory_used_bytes", "bytes");
        units.put("streamfit_native_memory_bytes", "bytes");
        units.put("streamfit_process_resident_memory_bytes", "bytes");
        units.put("jvm_gc_pause_seconds_sum", "percentunit");
        units.put("process_cpu_usage", "percentunit");
        units.forEach((metric, expected) -> {
            try {
                for (JsonNode panel : panelsNaming(metric)) {
                    assertEquals(expected, unit(panel), title(panel) + " shows " + metric + " in " + expected);
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        for (JsonNode panel : panelsNaming("streamfit_model_phase")) {
            assertTrue(Set.of("state-timeline", "table").contains(panel.path("type").asText()),
                    title(panel) + " shows phases as a state timeline or a table");
        }
        for (JsonNode panel : panelsNaming("streamfit_transaction_consecutive_failures")) {
            assertThresholdLine(panel, 3);
        }
        // Heap, native and resident memory side by side, per pod.
        Set<String> memory = Set.of("jvm_memory_used_bytes", "streamfit_native_memory_bytes",
                "streamfit_process_resident_memory_bytes");
        assertTrue(panels().stream().anyMatch(p -> metrics(p).containsAll(memory)),
                "one panel shows heap, native and resident memory");
        for (String metric : List.of("jvm_memory_used_bytes", "streamfit_native_memory_bytes",
                "streamfit_process_resident_memory_bytes", "jvm_gc_pause_seconds_sum", "process_cpu_usage")) {
            exprsNaming(metric).forEach((expr, panel) -> assertTrue(
                    expr.contains("by (instance)") && expr.contains("job=\"streamfit\"") && !expr.contains("model"),
                    panel + " shows " + metric + " per pod of the streamfit job: " + expr));
        }
        // Lag in seconds: the backlog over the rate it is consumed at.
        // Only where records are consumed: over a clamped rate, a stopped model's lag read 1e12 s.
        String lagOverRate = ".*streamfit_consumer_lag_records.*/ \\(.*streamfit_records_consumed_total.*\\) > 0\\).*";
        assertTrue(panelsNaming("streamfit_records_consumed_total").stream()
                .anyMatch(p -> "s".equals(unit(p)) && p.path("targets").toString().matches(lagOverRate)),
                "a panel shows the lag in seconds: lag records / records consumed per second");
        // Input rate against training rate, both in records per second.
        boolean inputAgainstTraining = false;
        for (JsonNode panel : panelsNaming("streamfit_records_consumed_total")) {
            boolean input = false;
            boolean trained = false;
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                input |= expr.contains("rate(streamfit_records_consumed_total")
                        && expr.contains("deriv(streamfit_consumer_lag_records");
                trained |= metrics(expr).equals(Set.of("streamfit_records_consumed_total"))
                        && expr.contains("rate(streamfit_records_consumed_total");
            }
            if (input && trained) {
                inputAgainstTraining = true;
                assertTrue(Set.of("reqps", "short").contains(unit(panel)), title(panel) + " shows records/s");
                assertTrue(panel.toString().contains("records/s"), title(panel) + " says its values are records/s");
            }
        }
        assertTrue(inputAgainstTraining,
                "a panel shows records arriving (consumed + deriv of the lag) against records consumed");
    }

    @Test
    void keepsThePanelsThatWereRightAndTheModelVariable() throws IOException {
        JsonNode dashboard = dashboard();
        assertEquals("streamfit-training", dashboard.path("uid").asText());
        assertEquals("streamfit: continual training", dashboard.path("title").asText());
        boolean model = false;
        for (JsonNode v : dashboard.path("templating").path("list")) {
            model |= "model".equals(v.path("name").asText())
                    && "label_values(streamfit_examples_trained_total, model)".equals(v.path("definition").asText());
        }
        assertTrue(model, "the model variable lists the models that train");
        assertEquals("percentunit", unit(panelsNaming("streamfit_prequential_accuracy_ratio").get(0)));
        panelsNaming("streamfit_prequential_loss");
        assertEquals("ops", unit(panelsNaming("streamfit_examples_trained_total").get(0)));
        assertTrue(panelsNaming("streamfit_consumer_lag_records").stream().anyMatch(p -> "short".equals(unit(p))),
                "a panel shows the lag in records");
        assertEquals("s", unit(panelsNaming("streamfit_step_duration_seconds_bucket").get(0)));
    }

    /** Issue 16: a search's leaderboard, one row per slot with every slot meter, beside its best score over time. */
    @Test
    void aSearchLeaderboardShowsEverySlotMeter() throws IOException {
        List<JsonNode> tables = panelsNaming("streamfit_search_slot_trial").stream()
                .filter(p -> "table".equals(p.path("type").asText())).toList();
        assertEquals(1, tables.size(), "one leaderboard table");
        String queries = tables.get(0).path("targets").toString();
        for (String m : List.of("streamfit_search_slot_trial", "streamfit_search_slot_score", "streamfit_search_slot_examples",
                "streamfit_search_slot_training")) {
            assertTrue(queries.contains(m) && queries.contains("by (model, slot)"), "the leaderboard shows " + m + " by slot");
        }
        assertFalse(panelsNaming("streamfit_search_compute_examples").isEmpty(), "a panel shows the search's compute");
    }

    @Test
    void panelsLieFlatAndDoNotOverlap() throws IOException {
        JsonNode all = dashboard().path("panels");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : all) {
            assertTrue(ids.add(panel.path("id").asInt()), title(panel) + " has an id of its own");
            assertEquals(0, panel.path("panels").size(),
                    title(panel) + " nests no panels (DashboardIT reads the top-level ones only)");
            JsonNode g = panel.path("gridPos");
            assertTrue(g.path("x").asInt() >= 0 && g.path("x").asInt() + g.path("w").asInt() <= 24
                    && g.path("w").asInt() > 0 && g.path("h").asInt() > 0, title(panel) + " fits the 24 columns: " + g);
            // Grafana substitutes its interval macros; DashboardIT substitutes $__rate_interval and $__interval.
            for (JsonNode target : panel.path("targets")) {
                Matcher m = Pattern.compile("\\$__\\w+").matcher(target.path("expr").asText());
                while (m.find()) {
                    assertTrue(m.group().equals("$__rate_interval") || m.group().equals("$__interval"),
                            title(panel) + " uses no other macro: " + m.group());
                }
            }
        }
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                JsonNode a = all.get(i).path("gridPos");
                JsonNode b = all.get(j).path("gridPos");
                boolean overlap = a.path("x").asInt() < b.path("x").asInt() + b.path("w").asInt()
                        && b.path("x").asInt() < a.path("x").asInt() + a.path("w").asInt()
                        && a.path("y").asInt() < b.path("y").asInt() + b.path("h").asInt()
                        && b.path("y").asInt() < a.path("y").asInt() + a.path("h").asInt();
                assertFalse(overlap, title(all.get(i)) + " and " + title(all.get(j)) + " overlap");
            }
        }
    }
}
