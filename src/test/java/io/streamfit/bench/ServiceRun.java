package io.streamfit.bench;

import io.streamfit.stream.PackagedService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of the packaged service training one model from a pre-filled topic, measured from the
 * outside as a user would: {@code GET /models/<id>} ({@code examples_seen}) is sampled every
 * {@value #POLL_MS} ms, and the examples/s over a {@link Window} is the growth between the first
 * sample at or past its {@code from} examples and the first at or past its {@code to}. The training
 * step inside the same window comes from {@code /q/metrics}: batch x the growth of
 * {@code streamfit_step_duration_seconds_count} over that of its {@code _sum}, scraped at those two
 * samples, so the ratio end-to-end / step needs no other run. The CPU time the service and the
 * broker used over the window ({@code /proc}, {@link CpuTime}) says how many cores each took.
 */
final class ServiceRun {
    static final int POLL_MS = 100;
    /** No progress for this long fails the run (a stuck consumer, a crashed model). */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(120);

    /** A measured stretch of the stream: examples {@code from} to {@code to} (counted from offset 0). */
    record Window(String name, long from, long to) {
        Window {
            if (from < 0 || to <= from) {
                throw new IllegalArgumentException("window " + name + ": from " + from + " must be >= 0 and below to " + to);
            }
        }
    }

    private ServiceRun() {}

    /**
     * Starts the service with {@code spec} as the only model, measures each window (they may
     * overlap), stops it (SIGTERM). {@code brokerPid} is the broker JVM whose CPU time is counted.
     */
    static Map<String, Object> measure(String bootstrap, long brokerPid, String modelId, String spec, int batch,
            List<Window> windows,
            Path dir) throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve(modelId + ".yaml"), spec);
        int port = PackagedService.freePort();
        long t0 = System.nanoTime();
        // Extra JVM options for the service (e.g. a JFR recording while investigating): -Dbench.service-jvm-args="..."
        String extra = System.getProperty("bench.service-jvm-args", "").trim();
        Process service = PackagedService.start(bootstrap, models, port, dir.resolve("service.log"),
                extra.isEmpty() ? new String[0] : extra.split("\\s+"));
        try {
            double ready = -1;
            Map<Window, double[]> starts = new LinkedHashMap<>();
            Map<Window, double[]> ends = new LinkedHashMap<>();
            long last = -1;
            long lastChange = System.nanoTime();
            while (ends.size() < windows.size()) {
                if (!service.isAlive()) {
                    throw new IllegalStateException(
                            "service exited with " + service.exitValue() + ": see " + dir.resolve("service.log"));
                }
                long seen = PackagedService.examplesSeen(port, modelId);
                long now = System.nanoTime();
                if (ready < 0 && seen >= 0 && PackagedService.code(port, "/q/health/ready") == 200) {
                    ready = (now - t0) / 1e9;
                }
                if (seen != last) {
                    last = seen;
                    lastChange = now;
                } else if (now - lastChange > STALL_NANOS) {
                    throw new IllegalStateException(
                            "no progress for 120 s at " + seen + " examples: see " + dir.resolve("service.log"));
                }
                double[] sample = null;
                for (Window w : windows) {
                    if (!starts.containsKey(w) && seen >= w.from()) {
                        starts.put(w,
                                sample = sample != null ? sample : sample(port, modelId, now, seen, service.pid(), brokerPid));
                    } else if (starts.containsKey(w) && !ends.containsKey(w) && seen >= w.to()) {
                        ends.put(w,
                                sample = sample != null ? sample : sample(port, modelId, now, seen, service.pid(), brokerPid));
                    }
                }
                if (sample == null) {
                    Thread.sleep(POLL_MS);
                }
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", modelId);
            r.put("ready_seconds", ready);
            for (Window w : windows) {
                r.put(w.name(), figures(starts.get(w), ends.get(w), batch));
            }
            return r;
        } finally {
            service.destroy();
            if (!service.waitFor(60, TimeUnit.SECONDS)) {
                service.destroyForcibly().waitFor();
            }
        }
    }

    private static Map<String, Object> figures(double[] start, double[] end, int batch) {
        Map<String, Object> r = new LinkedHashMap<>();
        double seconds = end[0] - start[0];
        double examples = end[1] - start[1];
        r.put("examples", (long) examples);
        r.put("seconds", seconds);
        r.put("examples_per_s", examples / seconds);
        double steps = end[2] - start[2];
        double stepSeconds = end[3] - start[3];
        r.put("steps", (long) steps);
        r.put("step_seconds_mean", steps > 0 ? stepSeconds / steps : null);
        r.put("step_examples_per_s", stepSeconds > 0 ? batch * steps / stepSeconds : null);
        r.put("service_cores", (end[4] - start[4]) / seconds);
        r.put("broker_cores", (end[5] - start[5]) / seconds);
        return r;
    }

    /** {time s, examples seen, step count, step seconds sum, service CPU s, broker CPU s}. */
    private static double[] sample(int port, String modelId, long nanos, long seen, long servicePid, long brokerPid) {
        String metrics = PackagedService.body(port, "/q/metrics");
        if (metrics == null) {
            throw new IllegalStateException("GET /q/metrics did not answer");
        }
        return new double[] {nanos / 1e9, seen, stepMetric(metrics, "count", modelId), stepMetric(metrics, "sum", modelId),
                CpuTime.seconds(servicePid), CpuTime.seconds(brokerPid)};
    }

    /** {@code streamfit_step_duration_seconds_<suffix>{...model="<id>"...}} from Prometheus text. */
    static double stepMetric(String text, String suffix, String modelId) {
        Pattern p = Pattern.compile("^streamfit_step_duration_seconds_" + suffix + "\\{[^}]*model=\"" + Pattern.quote(modelId)
                + "\"[^}]*\\}\\s+(\\S+)", Pattern.MULTILINE);
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException(
                    "no streamfit_step_duration_seconds_" + suffix + " for model " + modelId + " in /q/metrics");
        }
        return Double.parseDouble(m.group(1));
    }
}
