package io.streamfit.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules, checked by Prometheus' own tool: they parse ({@code promtool check rules}), and
 * {@code deploy/prometheus/alerts_test.yml} passes: for every alert, series that must fire it
 * (with its labels and rendered annotations) next to series that must not.
 */
class PrometheusRulesTest {
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @BeforeAll
    static void needsPromtool() {
        Assumptions.assumeTrue(Files.isExecutable(PROMTOOL),
                "needs promtool from Debian's prometheus package; .ci/run installs it");
    }

    private static Command promtool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
        command.addAll(List.of(args));
        return Command.run(command, null);
    }

    @Test
    void theRulesParse() throws Exception {
        Command r = promtool("check", "rules", "deploy/prometheus/alerts.yml");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS: 12 rules found"), r.output());
    }

    @Test
    void everyAlertFiresWhereItShouldAndNowhereElse() throws Exception {
        Command r = promtool("test", "rules", "deploy/prometheus/alerts_test.yml");
        assertEquals(0, r.exit(), r.output());
    }

    /**
     * Every alert has a runbook: its {@code runbook_url} is the path of its own section in
     * {@code docs/alerts.md}, that section states its time to alert, and a promtool test checks
     * it (in {@code alerts_test.yml}, or for the transaction rule in
     * {@code TransactionAlertTimingTest}, whose series come from the code).
     */
    @Test
    void everyAlertHasARunbookATimeToAlertAndATest() throws Exception {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(Path.of("deploy/prometheus/alerts.yml").toFile());
        String docs = Files.readString(Path.of("docs/alerts.md"));
        String tests = Files.readString(Path.of("deploy/prometheus/alerts_test.yml"))
                + Files.readString(Path.of("src/test/java/io/streamfit/stream/TransactionAlertTimingTest.java"));
        List<String> alerts = new ArrayList<>();
        for (JsonNode rule : rules.path("groups").get(0).path("rules")) {
            String name = rule.path("alert").asText();
            alerts.add(name);
            assertEquals("docs/alerts.md#" + name.toLowerCase(Locale.ROOT), rule.path("annotations").path("runbook_url").asText(),
                    name + "'s runbook_url");
            int at = docs.indexOf("\n## " + name + "\n");
            assertTrue(at >= 0, "docs/alerts.md has a section ## " + name);
            int next = docs.indexOf("\n## ", at + 1);
            String section = docs.substring(at, next < 0 ? docs.length() : next);
            assertTrue(section.contains("**Time to alert:**") && section.contains("**Runbook:**"),
                    name + "'s section states its time to alert and its runbook");
            assertTrue(docs.contains("| [" + name + "](#" + name.toLowerCase(Locale.ROOT) + ") |"), name + " is in the table");
            assertTrue(tests.contains("alertname: " + name), name + " has a promtool test");
        }
        assertEquals(12, alerts.size(), "the rules: " + alerts);
    }

    @Test
    void theUnitTestsCatchABrokenRule(@TempDir Path tmp) throws Exception {
        // The same tests against rules whose training-stalled alert forgets early stopping's pause.
        String rules = Files.readString(Path.of("deploy/prometheus/alerts.yml"));
        String broken = rules.replace("unless sum by (model) (streamfit_training_paused) > 0", "");
        assertTrue(!broken.equals(rules), "the clause to break is in the rules");
        Files.writeString(tmp.resolve("alerts.yml"), broken);
        Files.copy(Path.of("deploy/prometheus/alerts_test.yml"), tmp.resolve("alerts_test.yml"));
        Command r = promtool("test", "rules", tmp.resolve("alerts_test.yml").toString());
        assertTrue(r.exit() != 0 && r.output().contains("paused"), "promtool reports the paused model's alert: " + r.output());
    }
}
