package io.streamfit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.data.Examples;
import io.streamfit.data.RecordDecoder;
import io.streamfit.landscape.LossSurface;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import io.streamfit.train.NativeThreads;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The offline {@code landscape} command on a model the {@code train} command trained: the grid it
 * was asked for, centered on the model's loss on exactly the rows after {@code --skip}, a finite
 * sharpness, and clear failures (exit code and message) for a wrong width, a missing or wrong
 * model, and too few rows.
 */
class LandscapeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path spec;
    private Path model;
    private List<String> trainLines;
    private List<String> heldOutLines;

    /** A tiny classifier trained on 60 records; 20 more records it never saw follow them in {@code all.jsonl}. */
    @BeforeEach
    void trainATinyModel() throws Exception {
        NativeThreads.configure(1);
        spec = dir.resolve("tiny.yaml");
        Files.writeString(spec, TrainCommandTest.spec("tiny", "tiny.in"));
        trainLines = TrainCommandTest.records(60, 1);
        heldOutLines = TrainCommandTest.records(20, 9);
        List<String> all = new ArrayList<>(trainLines);
        all.addAll(heldOutLines);
        Files.write(dir.resolve("train.jsonl"), trainLines, StandardCharsets.UTF_8);
        Files.write(dir.resolve("all.jsonl"), all, StandardCharsets.UTF_8);
        model = dir.resolve("tiny.safetensors");
        assertEquals(0, TrainCommand.run("--spec", spec.toString(), "--data", dir.resolve("train.jsonl").toString(),
                "--out", model.toString()));
    }

    /** Exit code and what the command printed to its error stream (picocli's usage errors included). */
    private record Run(int code, String err) {}

    private Run landscape(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintWriter w = new PrintWriter(err, true, StandardCharsets.UTF_8);
        LandscapeCommand command = new LandscapeCommand();
        command.err = w;
        int code = new picocli.CommandLine(command).setErr(w).execute(args);
        w.flush();
        return new Run(code, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theGridIsTheOneAskedForAndCenteredOnTheHeldOutRowsLoss() throws Exception {
        Path out = dir.resolve("l.json");
        Run r = landscape("--spec", spec.toString(), "--model", model.toString(), "--data",
                dir.resolve("all.jsonl").toString(), "--skip", "60", "--rows", "30", "--directions", "2", "--points", "7",
                "--span", "0.5", "--iterations", "30", "--seed", "4", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode l = JSON.readTree(out.toFile());
        assertEquals(30, l.get("rows").asInt());
        assertEquals(60, l.get("skip").asLong());
        assertEquals(0, l.get("rejected_records").asLong());
        JsonNode line = l.get("line");
        assertEquals(7, line.get("alphas").size());
        assertEquals(7, line.get("loss").size());
        assertEquals(-0.5, line.get("alphas").get(0).asDouble(), 0.0, "--span");
        assertEquals(0.5, line.get("alphas").get(6).asDouble(), 0.0, "--span");
        JsonNode plane = l.get("plane");
        assertEquals(7, plane.get("loss").size());
        for (JsonNode row : plane.get("loss")) {
            assertEquals(7, row.size());
        }
        double center = l.get("center_loss").asDouble();
        assertEquals(center, line.get("loss").get(3).asDouble(), 0.0, "the line's middle is the model itself");
        assertEquals(center, plane.get("loss").get(3).get(3).asDouble(), 0.0, "and the plane's");

        // The center is the trained model's loss on exactly the 30 examples after the 60 trained records.
        ModelSpec s = SpecParser.parse(TrainCommandTest.spec("tiny", "tiny.in"));
        ModelState trained = SnapshotCodec.decode(Files.readAllBytes(model), s);
        RecordDecoder decoder = new RecordDecoder(s);
        float[] x = new float[0];
        float[] y = new float[0];
        for (String h : heldOutLines) {
            Examples ex = decoder.decode(h.getBytes(StandardCharsets.UTF_8));
            int n = y.length;
            x = Arrays.copyOf(x, (n + ex.count()) * 4);
            y = Arrays.copyOf(y, n + ex.count());
            System.arraycopy(ex.x(), 0, x, n * 4, ex.count() * 4);
            System.arraycopy(ex.y(), 0, y, n, ex.count());
        }
        LossSurface direct = new LossSurface(s, trained.network().params(), trained.network().buffers(),
                Nd4j.create(Arrays.copyOf(x, 30 * 4), new long[] {30, 4}, 'c'), Arrays.copyOf(y, 30), 4);
        assertEquals(direct.loss(direct.center()), center, 1e-12 * center, "the rows after --skip 60, the first 30");

        JsonNode sh = l.get("sharpness");
        double lambda = sh.get("lambda_max").asDouble();
        assertTrue(sh.get("lambda_max").isNumber() && Double.isFinite(lambda) && lambda > 0,
                "a trained classifier's loss curves upward: " + sh);
        assertTrue(sh.get("iterations").asInt() >= 2 && sh.get("iterations").asInt() <= 30, sh.toString());
        assertEquals(2 * sh.get("iterations").asInt(), sh.get("gradient_evaluations").asInt());
        assertEquals(1e-3, l.get("settings").get("tolerance").asDouble(), 0.0, "the service's tolerance by default");
        assertTrue(r.err().contains("landscape: center_loss "), r.err());
        assertTrue(r.err().contains("lambda_max "), r.err());

        // One direction: a line and no plane; --no-sharpness: none.
        Path one = dir.resolve("one.json");
        assertEquals(0, landscape("--spec", spec.toString(), "--model", model.toString(), "--data",
                dir.resolve("all.jsonl").toString(), "--skip", "60", "--rows", "30", "--directions", "1", "--points", "5",
                "--no-sharpness", "--seed", "4", "--out", one.toString()).code());
        JsonNode o = JSON.readTree(one.toFile());
        assertTrue(o.get("plane").isNull());
        assertTrue(o.get("sharpness").isNull());
        assertEquals(5, o.get("line").get("loss").size());
        assertEquals(center, o.get("center_loss").asDouble(), 0.0, "the same rows, the same center");
    }

    @Test
    void fewerRowsThanAskedAreUsedWithAWarning() throws Exception {
        Path out = dir.resolve("few.json");
        Run r = landscape("--spec", spec.toString(), "--model", model.toString(), "--data",
                dir.resolve("all.jsonl").toString(), "--skip", "60", "--rows", "1000", "--points", "3", "--iterations", "5",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        int examples = 0;
        RecordDecoder decoder = new RecordDecoder(SpecParser.parse(TrainCommandTest.spec("tiny", "tiny.in")));
        for (String h : heldOutLines) {
            examples += decoder.decode(h.getBytes(StandardCharsets.UTF_8)).count();
        }
        assertEquals(examples, JSON.readTree(out.toFile()).get("rows").asInt(), "every held-out example, no more");
        assertTrue(r.err().contains("warning: " + dir.resolve("all.jsonl") + " has " + examples
                + " examples after skipping 60 records (0 rejected), fewer than --rows 1000: using those"), r.err());
    }

    @Test
    void badInputEndsWithTheDocumentedMessageAndExitCode() throws Exception {
        Path out = dir.resolve("bad.json");
        Path all = dir.resolve("all.jsonl");

        Path narrow = dir.resolve("narrow.jsonl");
        Files.write(narrow, List.of("{\"x\":[0.1,0.2,0.3],\"y\":1}", "{\"x\":[0.4,0.5,0.6],\"y\":2}"));
        Run r = landscape("--spec", spec.toString(), "--model", model.toString(), "--data", narrow.toString(),
                "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("landscape: no rows to compute on: " + narrow + " has 2 lines, 2 rejected after the 0 "
                + "skipped, the first at line 1: x has width 3, the model expects 4"), r.err());

        r = landscape("--spec", spec.toString(), "--data", all.toString(), "--out", out.toString());
        assertEquals(2, r.code(), "a missing --model is a usage error");
        assertTrue(r.err().contains("Missing required option: '--model=<model>'"), r.err());

        r = landscape("--spec", spec.toString(), "--model", dir.resolve("nope.safetensors").toString(), "--data",
                all.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertEquals("landscape: cannot read --model " + dir.resolve("nope.safetensors") + ": no such file", r.err().strip());

        // A model of another architecture (8 hidden units, the spec says 16) lacks nothing by name but has other shapes.
        Path wide = dir.resolve("wide.yaml");
        Files.writeString(wide, TrainCommandTest.spec("tiny", "tiny.in").replace("units: 8,", "units: 16,"));
        r = landscape("--spec", wide.toString(), "--model", model.toString(), "--data", all.toString(), "--out",
                out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("landscape: cannot load --model " + model + " as the spec's model: "), r.err());

        r = landscape("--spec", spec.toString(), "--model", model.toString(), "--data", all.toString(), "--skip", "80",
                "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no rows to compute on: " + all + " has 80 lines, not more than --skip 80"), r.err());

        r = landscape("--spec", spec.toString(), "--model", model.toString(), "--data", all.toString(), "--points", "4",
                "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--points must be odd"), r.err());

        r = landscape("--spec", spec.toString(), "--model", model.toString(), "--data", all.toString(), "--tolerance", "-1",
                "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--tolerance must be >= 0, got -1.0"), r.err());

        assertFalse(Files.exists(out), "nothing written on failure");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")), "no temporary files left");
        }
    }
}
