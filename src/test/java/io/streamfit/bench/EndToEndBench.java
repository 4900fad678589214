package io.streamfit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.BrokerProcess;
import io.streamfit.stream.PackagedService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The end-to-end half of {@code bench/run.sh}: a Kafka 4.1.2 broker in its own JVM, two
 * one-partition topics pre-filled with the same Fashion-MNIST examples (JSON as Python writes it,
 * and binary), then, one after another: the packaged service training the 784-256-256-10 ReLU
 * MLP (Adam 1e-3, clipping 5.0, batch 64) from the JSON topic and from the binary topic
 * ({@link ServiceRun}); the {@code train} command over the same JSON lines; the Python + PyTorch
 * loop {@code bench/python_kafka_loop.py} on the JSON topic; and the demo's start-up to ready.
 * Writes every figure to {@code <out>/e2e.json}; any failing part fails the run (exit code 1).
 *
 * <pre>java -cp &lt;test class path&gt; io.streamfit.bench.EndToEndBench --jsonl F.jsonl --out DIR
 *     [--from 5000 --to 55000] [--python /usr/bin/python3] [--startups 3]</pre>
 */
public final class EndToEndBench {
    static final int BATCH = 64;
    static final String SPEC = """
            id: %s
            topic: %s
            input_width: 784
            task: {type: classification, classes: 10}
            layers:
              - {type: dense, units: 256}
              - {type: relu}
              - {type: dense, units: 256}
              - {type: relu}
              - {type: dense, units: 10}
            optimizer: {type: adam, lr: 0.001}
            gradient_clipping: {max_norm: 5.0}
            batch_size: %d
            seed: 1
            """;
    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private EndToEndBench() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = options(argv);
        Path jsonl = Path.of(a.get("--jsonl"));
        Path out = Files.createDirectories(Path.of(a.getOrDefault("--out", "target/bench/e2e")));
        long from = Long.parseLong(a.getOrDefault("--from", "5000"));
        long to = Long.parseLong(a.getOrDefault("--to", "55000"));
        String python = a.getOrDefault("--python", "/usr/bin/python3");
        int startups = Integer.parseInt(a.getOrDefault("--startups", "3"));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("window", Map.of("from", from, "to", to, "batch", BATCH));
        String jsonSpec = SPEC.formatted("bench-json", "bench.fmnist.json", BATCH);
        Files.writeString(out.resolve("spec.yaml"), jsonSpec);
        try (BrokerProcess broker = BrokerProcess.format(out.resolve("broker"))) {
            long t = System.nanoTime();
            broker.start();
            log("broker (Kafka 4.1.2, own JVM) ready in %.1f s at %s", secondsSince(t), broker.bootstrapServers());
            t = System.nanoTime();
            long records = BenchTopics.fill(broker.bootstrapServers(), SpecParser.parse(jsonSpec), jsonl,
                    "bench.fmnist.json", "bench.fmnist.binary");
            result.put("records", records);
            result.put("jsonl_bytes", Files.size(jsonl));
            log("topics filled: %d records each (JSON and binary) in %.1f s", records, secondsSince(t));
            if (to > records - records % BATCH) {
                throw new IllegalArgumentException("--to " + to + " is beyond the last full batch of " + records + " records");
            }
            for (String[] t2 : new String[][] {{"consumer_json", "bench.fmnist.json"}, {"consumer_binary", "bench.fmnist.binary"}}) {
                Map<String, Object> c = ConsumerCeiling.drain(broker.bootstrapServers(), t2[1], records);
                result.put(t2[0], c);
                log("a plain Java consumer alone on %s: %.0f records/s (%.0f MB/s)", t2[1], c.get("records_per_s"), c.get("mb_per_s"));
            }
            result.put("service_json", service(broker, "bench-json", "bench.fmnist.json", from, to, out.resolve("service-json")));
            result.put("service_binary", service(broker, "bench-binary", "bench.fmnist.binary", from, to, out.resolve("service-binary")));
            result.put("train", train(out.resolve("spec.yaml"), jsonl, out));
            if (!"none".equals(python)) {
                result.put("python_loop", pythonLoop(python, broker.bootstrapServers(), from, to, out));
            }
        }
        result.put("startup_demo", startups(startups, out, result));
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(out.resolve("e2e.json").toFile(), result);
        log("wrote %s", out.resolve("e2e.json"));
    }

    private static Map<String, Object> service(BrokerProcess broker, String id, String topic, long from, long to, Path dir)
            throws Exception {
        Map<String, Object> r = ServiceRun.measure(broker.bootstrapServers(), id, SPEC.formatted(id, topic, BATCH), BATCH, from, to,
                Files.createDirectories(dir));
        Object step = r.get("step_examples_per_s");
        log("service on %s: %.0f examples/s end to end, step inside the run %s examples/s (ready in %.1f s)", topic,
                r.get("examples_per_s"), step == null ? "-" : String.format("%.0f", step), r.get("ready_seconds"));
        return r;
    }

    /** The {@code train} command as the README shows it; its own examples/s covers the whole pass. */
    private static Map<String, Object> train(Path spec, Path jsonl, Path out) throws Exception {
        long t = System.nanoTime();
        Process p = new ProcessBuilder("java", "-jar", JAR.toString(), "train", "--spec", spec.toString(), "--data", jsonl.toString(),
                "--out", out.resolve("train.safetensors").toString())
                .redirectErrorStream(true).redirectOutput(out.resolve("train.log").toFile()).start();
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("train failed: see " + out.resolve("train.log"));
        }
        double wall = secondsSince(t);
        String summary = Files.readAllLines(out.resolve("train.log")).stream().filter(l -> l.startsWith("train: {")).reduce((x, y) -> y)
                .orElseThrow(() -> new IllegalStateException("no 'train: {...}' summary in " + out.resolve("train.log")));
        JsonNode s = new ObjectMapper().readTree(summary.substring("train: ".length()));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("examples", s.path("examples").asLong());
        r.put("seconds", s.path("seconds").asDouble());
        r.put("examples_per_s", s.path("examples_per_second").asDouble());
        r.put("wall_seconds", wall);
        log("train command: %.0f examples/s over the whole pass (%d examples, %.1f s; %.1f s with JVM start)",
                r.get("examples_per_s"), r.get("examples"), r.get("seconds"), wall);
        return r;
    }

    /** {@code bench/python_kafka_loop.py} on the JSON topic, one thread for PyTorch and its BLAS. */
    private static Map<String, Object> pythonLoop(String python, String bootstrap, long from, long to, Path out) throws Exception {
        ProcessBuilder b = new ProcessBuilder(python, "bench/python_kafka_loop.py", bootstrap, "bench.fmnist.json",
                Long.toString(from), Long.toString(to)).redirectError(out.resolve("python-loop.err").toFile());
        b.environment().put("OMP_NUM_THREADS", "1");
        b.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process p = b.start();
        String stdout = new String(p.getInputStream().readAllBytes()).trim();
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0 || stdout.isEmpty()) {
            throw new IllegalStateException("python loop failed: see " + out.resolve("python-loop.err"));
        }
        JsonNode s = new ObjectMapper().readTree(stdout.substring(stdout.lastIndexOf('\n') + 1));
        Map<String, Object> r = new ObjectMapper().convertValue(s, LinkedHashMap.class);
        log("python loop (confluent-kafka, json.loads, numpy, torch %s, 1 thread): %.0f examples/s", s.path("torch").asText(),
                s.path("examples_per_s").asDouble());
        return r;
    }

    /**
     * Start-up to {@code /q/health/ready} 200 of {@code java -jar quarkus-run.jar} with the demo,
     * {@code count} times; and as often with the AppCDS archive of {@code deploy/appcds.sh} when
     * there is one ({@code startup_demo_appcds}), the two kinds alternating so that both meet the
     * same load.
     */
    private static Map<String, Object> startups(int count, Path out, Map<String, Object> result) throws Exception {
        Path archive = JAR.resolveSibling("streamfit.jsa");
        boolean cds = Files.isRegularFile(archive);
        List<Double> plain = new ArrayList<>(), shared = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            plain.add(startup(out.resolve("demo-" + i + ".log")));
            if (cds) {
                shared.add(startup(out.resolve("demo-appcds-" + i + ".log"), "-XX:SharedArchiveFile=" + archive));
            }
        }
        if (cds) {
            result.put("startup_demo_appcds", startupSummary("with the AppCDS archive", shared));
        } else {
            log("no %s: run bash deploy/appcds.sh to measure start-up with it too", archive);
        }
        return startupSummary("", plain);
    }

    private static double startup(Path log, String... jvmArgs) throws Exception {
        int port = PackagedService.freePort();
        long t = System.nanoTime();
        Process p = PackagedService.startDemo(port, log, jvmArgs);
        try {
            while (PackagedService.code(port, "/q/health/ready") != 200) {
                if (!p.isAlive() || secondsSince(t) > 180) {
                    throw new IllegalStateException("demo not ready: see " + log);
                }
                Thread.sleep(20);
            }
            return secondsSince(t);
        } finally {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    private static Map<String, Object> startupSummary(String how, List<Double> seconds) {
        List<Double> sorted = seconds.stream().sorted().toList();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("seconds", seconds);
        r.put("median_seconds", sorted.get(sorted.size() / 2));
        log("demo start-up to ready%s: %s s (median %.1f s)", how.isEmpty() ? "" : " " + how,
                seconds.stream().map(s -> String.format("%.1f", s)).toList(), r.get("median_seconds"));
        return r;
    }

    private static Map<String, String> options(String[] argv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            m.put(argv[i], argv[i + 1]);
        }
        if (!m.containsKey("--jsonl") || argv.length % 2 != 0) {
            throw new IllegalArgumentException("usage: EndToEndBench --jsonl F.jsonl [--out DIR] [--from N] [--to N] [--python P|none] [--startups K]");
        }
        return m;
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("e2e: " + format + "%n", args);
        System.out.flush();
    }

}
