package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.deploy.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code StreamfitTransactionsFailing} against series the service can really emit. The shipped
 * rule once asked for more than 0.05 failures/s, while the service's own back-off (0.5 s, 1 s,
 * 2 s, ... up to 30 s between attempts) keeps failures at or under 0.033/s: it could not fire.
 * So the series here are not written by hand: each failure's time is computed from
 * {@link SnapshotLineage#backOffMillis} and the snapshot interval (the spec default, 30 s: after
 * a rollback the next attempt comes when the next snapshot is due, and never before the back-off
 * ended), sampled at a 15 s scrape, and handed to {@code promtool test rules} with the shipped
 * {@code deploy/prometheus/alerts.yml}.
 */
class TransactionAlertTimingTest {
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final long SCRAPE_MS = 15_000;
    private static final long SNAPSHOT_INTERVAL_MS = 30_000;
    /** The rule's {@code for}, and so the time to alert after the third failure in a row (docs/alerts.md). */
    private static final long FOR_MS = 60_000;

    @BeforeAll
    static void needsPromtool() {
        Assumptions.assumeTrue(Files.isExecutable(PROMTOOL),
                "needs promtool from Debian's prometheus package; .ci/run installs it");
    }

    /** Every attempt fails from the first: failure k comes max(back-off after k-1, snapshot interval) after failure k-1. */
    private static List<Long> everyAttemptFails(int failures) {
        List<Long> at = new ArrayList<>();
        long t = SNAPSHOT_INTERVAL_MS;
        for (int k = 1; k <= failures; k++) {
            at.add(t);
            t += Math.max(SnapshotLineage.backOffMillis(k), SNAPSHOT_INTERVAL_MS);
        }
        return at;
    }

    /**
     * A promtool test: the gauge of failures in a row and the rollback counter sampled every 15 s
     * over {@code minutes}; a commit that worked (in {@code commits}) resets the gauge.
     */
    private static String series(String model, List<Long> failures, List<Long> commits, int minutes) {
        StringBuilder gauge = new StringBuilder();
        StringBuilder counter = new StringBuilder();
        for (long s = 0; s <= minutes * 60_000L; s += SCRAPE_MS) {
            long now = s;
            long total = failures.stream().filter(f -> f <= now).count();
            long lastCommit = commits.stream().filter(c -> c <= now).mapToLong(Long::longValue).max().orElse(-1);
            long inARow = failures.stream().filter(f -> f <= now && f > lastCommit).count();
            gauge.append(inARow).append(' ');
            counter.append(total).append(' ');
        }
        return "      - {series: 'streamfit_transaction_consecutive_failures{model=\"%s\", instance=\"a\"}', values: '%s'}\n"
                .formatted(model, gauge.toString().trim())
                + "      - {series: 'streamfit_transaction_rollbacks_total{model=\"%s\", instance=\"a\"}', values: '%s'}\n"
                        .formatted(model, counter.toString().trim());
    }

    /** One check of a promtool test: the alert at {@code atMs}, firing for {@code model}, or for none when null. */
    private static String expect(long atMs, String model) {
        StringBuilder b = new StringBuilder();
        b.append("      - eval_time: ").append(atMs / 1000).append("s\n");
        b.append("        alertname: StreamfitTransactionsFailing\n");
        if (model == null) {
            return b.append("        exp_alerts: []\n").toString();
        }
        b.append("        exp_alerts:\n");
        b.append("          - exp_labels: {severity: warning, model: ").append(model).append("}\n");
        b.append("            exp_annotations:\n");
        b.append("              summary: \"snapshot transactions of ").append(model).append(" keep failing\"\n");
        b.append("              description: \"Each failure rolls the model back to its last snapshot and retrains from there. ")
                .append("Look at the brokers (readiness shows them), the logs, and the producer's authorization on the ")
                .append("snapshot topic.\"\n");
        b.append("              runbook_url: \"docs/alerts.md#streamfittransactionsfailing\"\n");
        return b.toString();
    }

    /** A promtool test group named {@code name}: its series, then its checks. */
    private static String group(String name, String series, String checks) {
        return "  - name: " + name + "\n    interval: 15s\n    input_series:\n" + series + "    alert_rule_test:\n" + checks;
    }

    private static Command promtool(Path dir, String tests) throws Exception {
        Files.copy(Path.of("deploy/prometheus/alerts.yml"), dir.resolve("alerts.yml"));
        Files.writeString(dir.resolve("test.yml"), "rule_files: [alerts.yml]\nevaluation_interval: 15s\ntests:\n" + tests);
        return Command.run(List.of(PROMTOOL.toString(), "test", "rules", dir.resolve("test.yml").toString()), null);
    }

    private static long nextScrape(long ms) {
        return (ms + SCRAPE_MS - 1) / SCRAPE_MS * SCRAPE_MS;
    }

    @Test
    void aBrokerThatRefusesEveryCommitAlertsOneMinuteAfterTheThirdFailure(@TempDir Path dir) throws Exception {
        List<Long> failures = everyAttemptFails(60);
        // 20 minutes of it: the pace the issue measured, 24 failures in the first 10 minutes, then 20 per 10
        long inTenMinutes = failures.stream().filter(f -> f <= 600_000).count();
        assertTrue(inTenMinutes >= 15 && inTenMinutes <= 25, "the service's pace: " + inTenMinutes + " failures in 10 minutes");
        long alertAt = nextScrape(failures.get(2)) + FOR_MS;
        String test = group("every commit refused, at the service's retry pace", series("refused", failures, List.of(), 20),
                expect(alertAt - SCRAPE_MS, null) + expect(alertAt, "refused"));
        Command r = promtool(dir, test);
        assertEquals(0, r.exit(), test + "\n" + r.output());
        assertTrue(alertAt <= failures.get(2) + FOR_MS + SCRAPE_MS, "fires within a minute and a scrape of the third failure");
    }

    @Test
    void everyOtherCommitFailingAlertsAndOneFailureDoesNot(@TempDir Path dir) throws Exception {
        // Snapshots every 30 s, every other one fails: never three in a row, but the model retrains
        // a minute of work every minute. Five failures in 15 minutes raise the alert.
        List<Long> failures = new ArrayList<>();
        List<Long> commits = new ArrayList<>();
        for (long t = SNAPSHOT_INTERVAL_MS; t <= 20 * 60_000; t += SNAPSHOT_INTERVAL_MS) {
            (failures.size() == commits.size() ? failures : commits).add(t);
        }
        long fifth = failures.get(4);
        String test = group("every other commit fails; one failure alone", series("flaky", failures, commits, 20)
                + series("once", List.of(60_000L), List.of(120_000L), 20),
                expect(3 * 60_000, null) + expect(nextScrape(fifth) + FOR_MS - SCRAPE_MS, null)
                        + expect(nextScrape(fifth) + FOR_MS, "flaky") + expect(20 * 60_000, "flaky"));
        Command r = promtool(dir, test);
        assertEquals(0, r.exit(), test + "\n" + r.output());
    }
}
