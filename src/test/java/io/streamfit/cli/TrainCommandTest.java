package io.streamfit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamfit.metrics.ModelMeters;
import io.streamfit.nn.SplitMix64;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.EmbeddedKafka;
import io.streamfit.stream.KafkaClients;
import io.streamfit.stream.ModelRunner;
import io.streamfit.stream.RunnerSettings;
import io.streamfit.stream.SnapshotStore;
import io.streamfit.stream.TestKafka;
import io.streamfit.train.ModelState;
import io.streamfit.train.NativeThreads;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline {@code train} command: it must train exactly as the service does (checked against
 * a real {@link ModelRunner} on a real broker, bitwise), continue exactly with {@code --init},
 * write the metrics it promises, and fail with a clear message and exit code on bad input.
 */
class TrainCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static String spec(String id, String topic) {
        return """
                id: %s
                topic: %s
                input_width: 4
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 8, weight_init: kaiming_uniform}, {type: relu}, {type: dense, units: 3}]
                optimizer: {type: nadam, lr: 0.01}
                schedule: {type: cosine, T_max: 30, warmup: {steps: 5}}
                gradient_clipping: {type: per_tensor_norm, max_norm: 1.0}
                batch_size: 8
                seed: 3
                snapshot: {every_steps: 1000, every_seconds: 0}
                """.formatted(id, topic);
    }

    /** JSON records of 1-3 examples each (so batches cut through records), label = argmax of 3 features. */
    static List<String> records(int n, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        List<String> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            int count = 1 + (int) (3 * rng.nextDouble());
            StringBuilder x = new StringBuilder("[");
            StringBuilder y = new StringBuilder("[");
            for (int e = 0; e < count; e++) {
                double[] f = new double[4];
                int best = 0;
                for (int i = 0; i < 4; i++) {
                    f[i] = rng.nextGaussian();
                    if (i < 3 && f[i] > f[best]) {
                        best = i;
                    }
                }
                x.append(e > 0 ? "," : "").append("[").append(f[0]).append(",").append(f[1]).append(",")
                        .append(f[2]).append(",").append(f[3]).append("]");
                y.append(e > 0 ? "," : "").append(best);
            }
            out.add("{\"x\":" + x + "],\"y\":" + y + "]}");
        }
        return out;
    }

    private int train(String... args) {
        TrainCommand command = new TrainCommand();
        return new picocli.CommandLine(command).execute(args);
    }

    private Path write(String name, List<String> lines) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, lines, StandardCharsets.UTF_8);
        return p;
    }

    private Path writeSpec(String id) throws Exception {
        Path p = dir.resolve(id + ".yaml");
        Files.writeString(p, spec(id, "offline.in"));
        return p;
    }

    @Test
    void trainsBitwiseAsTheServiceDoesOnTheSameRecords() throws Exception {
        NativeThreads.configure(1);
        List<String> lines = records(60, 1);
        ModelSpec spec = SpecParser.parse(spec("offline", "offline.in"));
        Path out = dir.resolve("offline.safetensors");
        assertEquals(0, train("--spec", writeSpec("offline").toString(), "--data", write("d.jsonl", lines).toString(),
                "--out", out.toString()));
        ModelState offline = SnapshotCodec.decode(Files.readAllBytes(out), spec);
        assertTrue(offline.steps() >= 10, "steps " + offline.steps());

        try (EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
            String bootstrap = kafka.bootstrapServers();
            TestKafka.createTopic(bootstrap, "offline.in", 1);
            TestKafka.produce(bootstrap, "offline.in", lines.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList());
            KafkaClients clients = new KafkaClients(Map.of("bootstrap.servers", bootstrap));
            SnapshotStore store = new SnapshotStore(clients, "streamfit.snapshots", 16 << 20, Optional.empty());
            store.ensureTopic();
            ModelMeters meters = new ModelMeters(new SimpleMeterRegistry(), spec.id());
            ModelRunner runner = new ModelRunner(spec, clients, store, meters,
                    new RunnerSettings("streamfit.", Duration.ofMillis(100), Duration.ofSeconds(60), Duration.ofSeconds(5)));
            Thread t = new Thread(runner);
            t.start();
            TestKafka.await("the service to train as many steps", Duration.ofSeconds(60),
                    () -> runner.state() != null && runner.state().steps() >= offline.steps());
            runner.stop();
            t.join(30_000);
            meters.close();
            ModelState service = runner.state();
            assertEquals(offline.steps(), service.steps());
            assertEquals(offline.examplesSeen(), service.examplesSeen());
            assertArrayEquals(service.network().params().toFloatVector(), offline.network().params().toFloatVector(),
                    "parameters bitwise equal to the service's");
            for (String s : service.optimizer().stateNames()) {
                assertArrayEquals(service.optimizer().state(s), offline.optimizer().state(s), s);
            }
        }
    }

    /**
     * Decoding ahead on a second thread changes where records are decoded, never what is
     * trained: parameters and optimizer state are bitwise, and the per-step metrics exactly,
     * those of decoding on the training thread. Rejected lines are mixed in.
     */
    @Test
    void decodeAheadOnAndOffTrainBitwiseTheSame() throws Exception {
        NativeThreads.configure(1);
        List<String> lines = new ArrayList<>(records(300, 7));
        for (int i = 5; i < lines.size(); i += 37) {
            lines.set(i, "{\"x\": [1, 2], \"y\": 0}"); // wrong width: rejected
        }
        Path data = write("d.jsonl", lines);
        Path spec = writeSpec("ahead");
        ModelState[] states = new ModelState[2];
        String[] metrics = new String[2];
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("ahead" + i + ".safetensors");
            Path m = dir.resolve("m" + i + ".json");
            assertEquals(0, train("--spec", spec.toString(), "--data", data.toString(), "--out", out.toString(),
                    "--metrics", m.toString(), i == 0 ? "--decode-ahead" : "--no-decode-ahead"));
            states[i] = SnapshotCodec.decode(Files.readAllBytes(out), SpecParser.parse(Files.readString(spec)));
            // Everything but the run's own timing.
            metrics[i] = JSON.readTree(m.toFile()).get("steps").toString()
                    + JSON.readTree(m.toFile()).get("final").get("rejected_records");
        }
        assertArrayEquals(states[1].network().params().toFloatVector(), states[0].network().params().toFloatVector(),
                "parameters bitwise equal with decode-ahead on and off");
        for (String s : states[0].optimizer().stateNames()) {
            assertArrayEquals(states[1].optimizer().state(s), states[0].optimizer().state(s), s);
        }
        assertEquals(states[0].examplesSeen(), states[1].examplesSeen());
        assertEquals(metrics[0], metrics[1]);
        assertTrue(metrics[0].endsWith("8"), "the rejected lines were counted: " + metrics[0].substring(metrics[0].length() - 5));
    }

    @Test
    void initContinuesExactlyWhereTheFirstRunStopped() throws Exception {
        List<String> lines = records(80, 2);
        // Cut where a batch ends: records hold 1-3 examples, so find the line after which the
        // example count is a multiple of the batch size.
        int cut = 0;
        int examples = 0;
        for (int i = 0; i < lines.size(); i++) {
            examples += JSON.readTree(lines.get(i)).get("y").size();
            if (i >= 30 && examples % 8 == 0) {
                cut = i + 1;
                break;
            }
        }
        assertTrue(cut > 0, "found a cut");
        Path spec = writeSpec("resume");
        Path whole = dir.resolve("whole.safetensors");
        Path half = dir.resolve("half.safetensors");
        Path rest = dir.resolve("rest.safetensors");
        assertEquals(0,
                train("--spec", spec.toString(), "--data", write("all.jsonl", lines).toString(), "--out", whole.toString()));
        assertEquals(0, train("--spec", spec.toString(), "--data", write("a.jsonl", lines.subList(0, cut)).toString(),
                "--out", half.toString()));
        assertEquals(0, train("--spec", spec.toString(), "--data", write("b.jsonl", lines.subList(cut, lines.size())).toString(),
                "--init", half.toString(), "--out", rest.toString()));
        ModelSpec s = SpecParser.parse(Files.readString(spec));
        ModelState straight = SnapshotCodec.decode(Files.readAllBytes(whole), s);
        SnapshotCodec.Decoded resumedSnapshot = SnapshotCodec.decodeWithLineage(Files.readAllBytes(rest), s);
        ModelState resumed = resumedSnapshot.state();
        assertEquals(straight.steps(), resumed.steps(), "optimizer step count (and so the schedule) carried over");
        assertArrayEquals(straight.network().params().toFloatVector(), resumed.network().params().toFloatVector());
        for (String name : straight.optimizer().stateNames()) {
            assertArrayEquals(straight.optimizer().state(name), resumed.optimizer().state(name), name);
        }
        assertEquals(Map.of(), resumedSnapshot.lineage().positions(), "an offline snapshot claims no stream positions");
    }

    @Test
    void metricsHoldEveryStepAndThePrequentialTotals() throws Exception {
        List<String> lines = new ArrayList<>(records(40, 3));
        lines.add(5, "{\"x\":[1,2,3],\"y\":0}"); // wrong width: rejected, not fatal
        Path metrics = dir.resolve("m.json");
        Path test = write("test.jsonl", records(20, 4));
        assertEquals(0, train("--spec", writeSpec("metrics").toString(), "--data", write("d.jsonl", lines).toString(),
                "--out", dir.resolve("o.safetensors").toString(), "--metrics", metrics.toString(), "--test", test.toString()));
        JsonNode m = JSON.readTree(metrics.toFile());
        JsonNode fin = m.get("final");
        JsonNode steps = m.get("steps");
        assertEquals(1, fin.get("rejected_records").asLong());
        assertEquals(41, fin.get("records").asLong());
        assertEquals(steps.size(), fin.get("steps").asLong());
        assertEquals(fin.get("examples").asLong(), 8L * steps.size());
        double lossSum = 0;
        for (JsonNode st : steps) {
            lossSum += st.get("loss").asDouble() * 8;
            assertTrue(st.get("lr").asDouble() > 0);
            assertTrue(st.get("grad_norm").asDouble() > 0);
        }
        assertEquals(lossSum / fin.get("examples").asLong(), fin.get("prequential_loss").asDouble(), 1e-9,
                "the whole-pass prequential loss is the mean of the per-step losses");
        double acc = fin.get("prequential_accuracy").asDouble();
        assertTrue(acc >= 0 && acc <= 1);
        assertTrue(fin.get("test_examples").asLong() >= 20);
        assertTrue(fin.get("test_accuracy").asDouble() >= 0 && fin.get("test_loss").asDouble() > 0);
        // The schedule is visible: warm-up rises over the first five steps.
        assertTrue(steps.get(4).get("lr").asDouble() > steps.get(0).get("lr").asDouble());
    }

    @Test
    void badInputEndsWithAMessageAndAnExitCode() throws Exception {
        Path data = write("d.jsonl", records(10, 5));
        Path out = dir.resolve("o.safetensors");
        Path badSpec = dir.resolve("bad.yaml");
        Files.writeString(badSpec, spec("bad", "t").replace("lr: 0.01", "lr: -1"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        TrainCommand command = new TrainCommand();
        command.err = new PrintWriter(err, true, StandardCharsets.UTF_8);
        assertEquals(2, new picocli.CommandLine(command).execute("--spec", badSpec.toString(), "--data", data.toString(),
                "--out", out.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("optimizer.lr must be >= 0, got -1"), err.toString());
        assertEquals(1, train("--spec", writeSpec("ok").toString(), "--data", dir.resolve("missing.jsonl").toString(),
                "--out", out.toString()));
        Path junk = write("junk.safetensors", List.of("not a snapshot"));
        assertEquals(2, train("--spec", writeSpec("ok").toString(), "--data", data.toString(), "--init", junk.toString(),
                "--out", out.toString()));
        assertEquals(2, train("--spec", writeSpec("ok").toString()), "missing required options");
        assertEquals(2, train("--spec", writeSpec("ok").toString(), "--data", write("short.jsonl", records(1, 6)).toString(),
                "--out", out.toString()), "fewer examples than one batch: nothing trained is an error");
        assertEquals(1, train("--spec", writeSpec("ok").toString(), "--data", data.toString(), "--out", out.toString(),
                "--test", dir.resolve("no-test.jsonl").toString()), "a missing --test is found before training");
        assertFalse(Files.exists(out), "nothing written on failure");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    /**
     * A file that cannot be read says why (before: "cannot read --spec nope.yaml: nope.yaml"),
     * and an output that cannot be written is found before training (before: after the whole
     * pass, which was then lost).
     */
    @Test
    void unreadableInputsSayWhyAndUnwritableOutputsAreFoundBeforeTraining() throws Exception {
        Path data = write("d.jsonl", records(10, 5));
        Path spec = writeSpec("why");
        Path out = dir.resolve("o.safetensors");
        Path plainFile = write("plain.txt", List.of("x"));
        Files.createDirectories(dir.resolve("adir"));
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(List.of("--spec", "nope.yaml", "--data", data.toString(), "--out", out.toString()),
                "train: cannot read --spec nope.yaml: no such file");
        cases.put(List.of("--spec", dir.resolve("adir").toString(), "--data", data.toString(), "--out", out.toString()),
                "train: cannot read --spec " + dir.resolve("adir") + ": is a directory");
        cases.put(
                List.of("--spec", spec.toString(), "--data", data.toString(), "--init", "nope.safetensors", "--out",
                        out.toString()),
                "train: cannot read --init nope.safetensors: no such file");
        cases.put(List.of("--spec", spec.toString(), "--data", data.toString(), "--init", dir.resolve("adir").toString(),
                "--out", out.toString()), "train: cannot read --init " + dir.resolve("adir") + ": is a directory");
        cases.put(List.of("--spec", spec.toString(), "--data", dir.resolve("adir").toString(), "--out", out.toString()),
                "train: cannot read --data " + dir.resolve("adir") + ": is a directory");
        cases.put(List.of("--spec", spec.toString(), "--data", "missing.jsonl", "--out", out.toString()),
                "train: cannot read --data missing.jsonl: no such file");
        cases.put(List.of("--spec", spec.toString(), "--data", data.toString(), "--out", dir.resolve("adir").toString()),
                "train: cannot write --out " + dir.resolve("adir") + ": is a directory");
        cases.put(
                List.of("--spec", spec.toString(), "--data", data.toString(), "--out",
                        plainFile.resolve("o.safetensors").toString()),
                "train: cannot write --out " + plainFile.resolve("o.safetensors")
                        + ": a part of the path is a file, not a directory");
        cases.put(List.of("--spec", spec.toString(), "--data", data.toString(), "--out", out.toString(),
                "--metrics", dir.resolve("adir").toString()),
                "train: cannot write --metrics " + dir.resolve("adir") + ": is a directory");
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            TrainCommand command = new TrainCommand();
            command.err = new PrintWriter(err, true, StandardCharsets.UTF_8);
            assertEquals(1, new picocli.CommandLine(command).execute(c.getKey().toArray(String[]::new)), c.getValue());
            String said = err.toString(StandardCharsets.UTF_8);
            assertEquals(c.getValue(), said.strip(), "nothing else printed: no training ran");
        }
        assertFalse(Files.exists(out), "nothing written on failure");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith(".")), "no probe or temporary files left");
        }
    }

    @Test
    void earlyStoppingHoldsOutValidatesAndWritesTheBestModel() throws Exception {
        Path specFile = dir.resolve("es.yaml");
        Files.writeString(specFile, spec("es", "offline.in")
                + "early_stopping: {holdout_every: 4, check_batches: 2, patience: 2, resume: {after_batches: 6}}\n");
        Path metrics = dir.resolve("m.json");
        Path best = dir.resolve("best.safetensors");
        Path out = dir.resolve("o.safetensors");
        assertEquals(0, train("--spec", specFile.toString(), "--data", write("d.jsonl", records(300, 8)).toString(),
                "--out", out.toString(), "--best-out", best.toString(), "--metrics", metrics.toString()));
        JsonNode m = JSON.readTree(metrics.toFile());
        JsonNode fin = m.get("final");
        double bestLoss = Double.POSITIVE_INFINITY;
        long bestStep = -1;
        long heldOut = 0;
        long checks = 0;
        for (JsonNode st : m.get("steps")) {
            if (st.has("role") && st.get("role").asText().equals("held_out")) {
                heldOut += 8;
            }
            JsonNode c = st.get("check");
            if (c != null) {
                checks++;
                if (c.get("improved").asBoolean()) {
                    assertTrue(c.get("validation_loss").asDouble() < bestLoss);
                    bestLoss = c.get("validation_loss").asDouble();
                    bestStep = st.get("step").asLong();
                }
            }
        }
        assertEquals(heldOut, fin.get("held_out_examples").asLong());
        assertEquals(checks, fin.get("validation_checks").asLong());
        assertTrue(checks >= 5, "checks: " + checks);
        Map<String, String> meta = SnapshotCodec.metadata(Files.readAllBytes(best));
        assertEquals(Long.toString(bestStep), meta.get("optimizer_steps"), "the best file is the model of the best check");
        assertEquals(bestLoss, Double.parseDouble(meta.get("best_validation_loss")));
        assertEquals(bestLoss, fin.get("best_validation_loss").asDouble());
        long total = fin.get("examples").asLong() + heldOut;
        assertEquals(8 * (total / 8 / 4), heldOut, "every 4th batch of " + total / 8 + " is held out");

        assertEquals(2, train("--spec", writeSpec("plain").toString(), "--data", write("p.jsonl", records(30, 2)).toString(),
                "--out", out.toString(), "--best-out", best.toString()), "--best-out without early_stopping");
        assertEquals(2, train("--spec", specFile.toString(), "--data", write("e.jsonl", records(30, 2)).toString(),
                "--out", out.toString(), "--best-out", out.toString()), "--best-out the same file as --out");
    }
}
