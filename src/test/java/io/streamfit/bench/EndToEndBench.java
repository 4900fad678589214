package io.streamfit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.BrokerProcess;
import io.streamfit.stream.PackagedService;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The end-to-end half of {@code bench/run.sh}: a Kafka 4.1.2 broker in its own JVM, two
 * one-partition topics pre-filled with the same Fashion-MNIST examples (JSON as Python writes it,
 * and binary; with {@code --passes P} the file P times over, as a stream that keeps coming), then,
 * one after another: the packaged service training the 784-256-256-10 ReLU MLP (Adam 1e-3,
 * clipping 5.0, batch 64) from the JSON topic and from the binary topic ({@link ServiceRun}); the
 * {@code train} command over the same JSON lines; the Python + PyTorch loop
 * {@code bench/python_kafka_loop.py} on the JSON topic; and the demo's start-up to ready.
 *
 * <p>Every party is measured over the same windows of the stream: {@code first_pass}, examples
 * {@code --from} to {@code --to} of the first pass, right after start (JIT compilation and first
 * allocations included, as a user who starts the service on a backlog sees it); and with P &gt; 1
 * {@code later_passes}, from the start of the second pass to the end, after that warm-up, which is
 * how JMH measures the step the targets compare against. The {@code train} command's later passes
 * are the difference of two runs (one pass, P passes) of its own reported seconds.
 *
 * <p>Writes every figure to {@code <out>/e2e.json}; any failing part fails the run (exit code 1).
 *
 * <pre>java -cp &lt;test class path&gt; io.streamfit.bench.EndToEndBench --jsonl F.jsonl --out DIR
 *     [--from 5000 --to 55000] [--passes 3] [--python /usr/bin/python3] [--startups 3]</pre>
 */
public final class EndToEndBench {
    static final int BATCH = 64;
    /** The windows every party is measured over (see the class comment). */
    static final String FIRST = "first_pass", LATER = "later_passes";
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
        int passes = Integer.parseInt(a.getOrDefault("--passes", "1"));
        Map<String, Object> result = new LinkedHashMap<>();
        String jsonSpec = SPEC.formatted("bench-json", "bench.fmnist.json", BATCH);
        Files.writeString(out.resolve("spec.yaml"), jsonSpec);
        try (BrokerProcess broker = BrokerProcess.format(out.resolve("broker"))) {
            long t = System.nanoTime();
            broker.start();
            log("broker (Kafka 4.1.2, own JVM) ready in %.1f s at %s", secondsSince(t), broker.bootstrapServers());
            t = System.nanoTime();
            long records = BenchTopics.fill(broker.bootstrapServers(), SpecParser.parse(jsonSpec), jsonl, passes,
                    "bench.fmnist.json", "bench.fmnist.binary");
            long lines = records / passes;
            result.put("records", records);
            result.put("passes", passes);
            result.put("jsonl_bytes", Files.size(jsonl));
            log("topics filled: %d records each (JSON and binary, %d pass(es) of %d lines) in %.1f s", records, passes, lines,
                    secondsSince(t));
            if (to > lines - lines % BATCH) {
                throw new IllegalArgumentException(
                        "--to " + to + " is beyond the last full batch of the first pass (" + lines + " records)");
            }
            List<ServiceRun.Window> windows = new ArrayList<>(List.of(new ServiceRun.Window(FIRST, from, to)));
            if (passes > 1) {
                windows.add(new ServiceRun.Window(LATER, lines, records - records % BATCH));
            }
            result.put("windows", windows.stream().collect(Collectors.toMap(ServiceRun.Window::name,
                    w -> Map.of("from", w.from(), "to", w.to()), (x, y) -> x, LinkedHashMap::new)));
            result.put("batch", BATCH);
            for (String[] t2 : new String[][] {{"consumer_json", "bench.fmnist.json"},
                    {"consumer_binary", "bench.fmnist.binary"}}) {
                Map<String, Object> c = ConsumerCeiling.drain(broker.bootstrapServers(), broker.pid(), t2[1], records);
                result.put(t2[0], c);
                log("a plain Java consumer alone on %s: %.0f records/s (%.0f MB/s); CPU per record: consumer %.1f us, broker %.1f us",
                        t2[1], c.get("records_per_s"), c.get("mb_per_s"), c.get("consumer_cpu_us_per_record"),
                        c.get("broker_cpu_us_per_record"));
            }
            result.put("service_json", service(broker, "bench-json", "bench.fmnist.json", windows, out.resolve("service-json")));
            result.put("service_binary",
                    service(broker, "bench-binary", "bench.fmnist.binary", windows, out.resolve("service-binary")));
            result.put("train", train(out.resolve("spec.yaml"), jsonl, passes, out));
            if (!"none".equals(python)) {
                result.put("python_loop", pythonLoop(python, broker.bootstrapServers(), windows, out));
            }
        }
        if (startups > 0) {
            result.put("startup_demo", startups(startups, out, result));
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(out.resolve("e2e.json").toFile(), result);
        log("wrote %s", out.resolve("e2e.json"));
    }

    private static Map<String, Object> service(BrokerProcess broker, String id, String topic, List<ServiceRun.Window> windows,
            Path dir)
            throws Exception {
        Map<String, Object> r = ServiceRun.measure(broker.bootstrapServers(), broker.pid(), id, SPEC.formatted(id, topic, BATCH),
                BATCH,
                windows, Files.createDirectories(dir));
        for (ServiceRun.Window w : windows) {
            @SuppressWarnings("unchecked")
            Map<String, Object> f = (Map<String, Object>) r.get(w.name());
            Object step = f.get("step_examples_per_s");
            log("service on %s, %s: %.0f examples/s end to end, step inside the run %s examples/s; cores used: service %.2f, broker %.2f",
                    topic, w.name(), f.get("examples_per_s"), step == null ? "-" : String.format("%.0f", step),
                    f.get("service_cores"),
                    f.get("broker_cores"));
        }
        log("service on %s ready in %.1f s", topic, r.get("ready_seconds"));
        return r;
    }

    /**
     * The {@code train} command as docs/train-command.md shows it, over the file once
     * ({@code first_pass}: its own examples/s over the whole pass) and, with {@code passes > 1},
     * over the file that many times ({@code later_passes}: the examples and seconds the longer run
     * adds to the short one).
     */
    private static Map<String, Object> train(Path spec, Path jsonl, int passes, Path out) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        Map<String, Object> once = trainRun(spec, jsonl, out, "train");
        r.put(FIRST, once);
        log("train command, %s: %.0f examples/s over the whole pass (%d examples, %.1f s; %.1f s with JVM start)", FIRST,
                once.get("examples_per_s"), once.get("examples"), once.get("seconds"), once.get("wall_seconds"));
        if (passes > 1) {
            Path repeated = out.resolve("train-" + passes + "-passes.jsonl");
            try {
                try (OutputStream o = Files.newOutputStream(repeated)) {
                    for (int i = 0; i < passes; i++) {
                        Files.copy(jsonl, o);
                    }
                }
                Map<String, Object> many = trainRun(spec, repeated, out, "train-" + passes + "-passes");
                long examples = (long) many.get("examples") - (long) once.get("examples");
                double seconds = (double) many.get("seconds") - (double) once.get("seconds");
                Map<String, Object> later = new LinkedHashMap<>();
                later.put("examples", examples);
                later.put("seconds", seconds);
                later.put("examples_per_s", examples / seconds);
                later.put("run_of_" + passes + "_passes", many);
                r.put(LATER, later);
                log("train command, %s: %.0f examples/s (%d passes: %d examples in %.1f s, less the one-pass run)", LATER,
                        later.get("examples_per_s"), passes, many.get("examples"), many.get("seconds"));
            } finally {
                Files.deleteIfExists(repeated);
            }
        }
        return r;
    }

    private static Map<String, Object> trainRun(Path spec, Path data, Path out, String name) throws Exception {
        long t = System.nanoTime();
        Path log = out.resolve(name + ".log");
        Process p = new ProcessBuilder("java", "-jar", JAR.toString(), "train", "--spec", spec.toString(), "--data",
                data.toString(),
                "--out", out.resolve(name + ".safetensors").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("train failed: see " + log);
        }
        double wall = secondsSince(t);
        String summary = Files.readAllLines(log).stream().filter(l -> l.startsWith("train: {")).reduce((x, y) -> y)
                .orElseThrow(() -> new IllegalStateException("no 'train: {...}' summary in " + log));
        JsonNode s = new ObjectMapper().readTree(summary.substring("train: ".length()));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("examples", s.path("examples").asLong());
        r.put("seconds", s.path("seconds").asDouble());
        r.put("examples_per_s", s.path("examples_per_second").asDouble());
        r.put("wall_seconds", wall);
        return r;
    }

    /** {@code bench/python_kafka_loop.py} on the JSON topic, one thread for PyTorch and its BLAS, over the same windows. */
    private static Map<String, Object> pythonLoop(String python, String bootstrap, List<ServiceRun.Window> windows, Path out)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(python, "bench/python_kafka_loop.py", bootstrap, "bench.fmnist.json"));
        for (ServiceRun.Window w : windows) {
            command.add(w.from() + ":" + w.to());
        }
        ProcessBuilder b = new ProcessBuilder(command).redirectError(out.resolve("python-loop.err").toFile());
        b.environment().put("OMP_NUM_THREADS", "1");
        b.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process p = b.start();
        String stdout = new String(p.getInputStream().readAllBytes()).trim();
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0 || stdout.isEmpty()) {
            throw new IllegalStateException("python loop failed: see " + out.resolve("python-loop.err"));
        }
        JsonNode s = new ObjectMapper().readTree(stdout.substring(stdout.lastIndexOf('\n') + 1));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("peer", s.path("peer").asText());
        r.put("torch", s.path("torch").asText());
        for (int i = 0; i < windows.size(); i++) {
            JsonNode w = s.path("windows").path(i);
            if (w.path("from").asLong() != windows.get(i).from() || w.path("to").asLong() != windows.get(i).to()) {
                throw new IllegalStateException("python loop answered window " + w + " for " + windows.get(i));
            }
            r.put(windows.get(i).name(), new ObjectMapper().convertValue(w, LinkedHashMap.class));
            log("python loop (confluent-kafka, json.loads, numpy, torch %s, 1 thread), %s: %.0f examples/s",
                    s.path("torch").asText(),
                    windows.get(i).name(), w.path("examples_per_s").asDouble());
        }
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
            throw new IllegalArgumentException(
                    "usage: EndToEndBench --jsonl F.jsonl [--out DIR] [--from N] [--to N] [--passes P] [--python P|none] [--startups K]");
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
