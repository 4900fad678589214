package io.streamfit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.snapshot.Safetensors;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.SearchSpaces;
import io.streamfit.spec.SearchSpecs;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --search}: the search runs over the file, its leaderboard is in --metrics, and
 * --out is the winner: bitwise the model {@code train} makes from the spec with the winner's
 * values written in, because the winner trained every batch from the first, side by side with the
 * others and then alone.
 */
class TrainSearchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SEARCH = "search: {strategy: successive_halving, trials: 6, eta: 2, budget: {examples: 1200}, "
            + "objective: {window: 5}, seed: 4}\n";

    @TempDir
    Path dir;

    private String searchSpec() {
        return TrainCommandTest.spec("searched", "offline.in").replace("lr: 0.01", "lr: {log_uniform: [1.0e-4, 0.3]}")
                .replace("units: 8", "units: {choice: [4, 16]}") + SEARCH;
    }

    private int train(ByteArrayOutputStream err, String... args) {
        TrainCommand command = new TrainCommand();
        command.err = new PrintWriter(err, true, StandardCharsets.UTF_8);
        return new picocli.CommandLine(command).execute(args);
    }

    @Test
    void theWinnerIsTheSpecWithItsValuesTrainedAloneAndTheLeaderboardIsWritten() throws Exception {
        Path spec = dir.resolve("search.yaml");
        Files.writeString(spec, searchSpec());
        Path data = dir.resolve("d.jsonl");
        Files.write(data, TrainCommandTest.records(300, 8), StandardCharsets.UTF_8);
        Path out = dir.resolve("winner.safetensors");
        Path metrics = dir.resolve("m.json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, train(err, "--spec", spec.toString(), "--data", data.toString(), "--out", out.toString(), "--metrics",
                metrics.toString(), "--search"), err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("search successive_halving, 6 trials"), err.toString());

        JsonNode doc = JSON.readTree(metrics.toFile());
        JsonNode search = doc.get("search");
        JsonNode board = search.get("leaderboard");
        assertEquals(6, board.size());
        assertEquals("winner", board.get(0).get("status").asText());
        assertEquals(search.get("winner").asInt(), board.get(0).get("trial").asInt());
        // eta 2 from 6: rungs of 6, 3 and 1 trials; 3 eliminated after rung 0, 2 after rung 1.
        int[] eliminated = new int[3];
        for (JsonNode row : board) {
            if (row.get("status").asText().equals("eliminated")) {
                eliminated[row.get("rung").asInt()]++;
            }
        }
        assertArrayEquals(new int[] {3, 2, 0}, eliminated);
        assertTrue(search.get("compute_examples").asLong() <= 1200, "within the budget");

        // The winner's spec, written out plainly and trained alone, is bitwise the search's --out.
        Map<String, Object> values = new LinkedHashMap<>();
        board.get(0).get("values").fields().forEachRemaining(f -> values.put(f.getKey(),
                f.getValue().isIntegralNumber() ? (Object) f.getValue().asLong() : (Object) f.getValue().asDouble()));
        JsonNode plain = SearchSpaces.with(SearchSpecs.plan(SpecParser.read(searchSpec())).base(), values);
        Path plainSpec = dir.resolve("plain.json");
        Files.writeString(plainSpec, plain.toString());
        Path alone = dir.resolve("alone.safetensors");
        assertEquals(0, train(new ByteArrayOutputStream(), "--spec", plainSpec.toString(), "--data", data.toString(), "--out",
                alone.toString(), "--metrics", dir.resolve("alone.json").toString()));
        ModelState a = SnapshotCodec.decode(Files.readAllBytes(alone), SpecParser.parse(plain));
        ModelState w = SnapshotCodec.decode(Files.readAllBytes(out), SpecParser.parse(plain));
        assertArrayEquals(a.network().params().toFloatVector(), w.network().params().toFloatVector());
        assertEquals(a.examplesSeen(), w.examplesSeen());
        // The pass's prequential figures are the winner's own, as its plain run reports them.
        assertEquals(JSON.readTree(Files.readString(dir.resolve("alone.json"))).get("final").get("prequential_loss").asDouble(),
                doc.get("final").get("prequential_loss").asDouble(), 1e-12);
        Map<String, String> meta = Safetensors.read(Files.readAllBytes(out)).metadata();
        assertTrue(meta.get("search").startsWith("successive_halving, trial " + search.get("winner").asInt() + " of 6"),
                meta.toString());
        assertEquals(JSON.readTree(meta.get("search_values")), board.get(0).get("values"));
    }

    @Test
    void aSearchNeedsTheFlagTheFlagNeedsASearchAndBadSpacesAreNamed() throws Exception {
        Path data = dir.resolve("d.jsonl");
        Files.write(data, TrainCommandTest.records(50, 8), StandardCharsets.UTF_8);
        Path out = dir.resolve("o.safetensors");
        Path spec = dir.resolve("s.yaml");
        Files.writeString(spec, searchSpec());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, train(err, "--spec", spec.toString(), "--data", data.toString(), "--out", out.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("has a search section: pass --search"), err.toString());

        Path plain = dir.resolve("p.yaml");
        Files.writeString(plain, TrainCommandTest.spec("plain", "offline.in"));
        err.reset();
        assertEquals(2, train(err, "--spec", plain.toString(), "--data", data.toString(), "--out", out.toString(), "--search"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--search needs a search section"), err.toString());

        Files.writeString(spec, searchSpec().replace("{log_uniform: [1.0e-4, 0.3]}", "{log_uniform: [0, 0.3]}"));
        err.reset();
        assertEquals(2, train(err, "--spec", spec.toString(), "--data", data.toString(), "--out", out.toString(), "--search"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("optimizer.lr"), err.toString());
        assertFalse(Files.exists(out), "nothing written on failure");
    }

    @Test
    void dataThatEndsBeforeTheBudgetStillPicksTheBestSoFar() throws Exception {
        Path spec = dir.resolve("s.yaml");
        Files.writeString(spec, searchSpec());
        Path data = dir.resolve("d.jsonl");
        Files.write(data, TrainCommandTest.records(60, 8), StandardCharsets.UTF_8);
        Path metrics = dir.resolve("m.json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, train(err, "--spec", spec.toString(), "--data", data.toString(), "--out",
                dir.resolve("o.safetensors").toString(), "--metrics", metrics.toString(), "--search"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("the data ended after"), err.toString());
        JsonNode board = JSON.readTree(metrics.toFile()).get("search").get("leaderboard");
        assertEquals("winner", board.get(0).get("status").asText());
        assertEquals(List.of(), List.of(board.findValuesAsText("status").stream().filter(s -> s.equals("running")).toArray()));
    }
}
