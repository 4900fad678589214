package io.streamfit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.demo.FashionMnist;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Fashion-MNIST figures of docs/search.md: successive halving against every trial run to the
 * end (issue 16, demand 4), and a search over learning rate, weight decay, dropout and widths next
 * to the hand-tuned {@code examples/fashion-best.yaml} (demand 6). Skips where Debian's
 * {@code dataset-fashion-mnist} is not installed ({@code .ci/run} installs it).
 */
class FashionMnistSearchTest {
    private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeJsonLines() throws Exception {
        Assumptions.assumeTrue(FashionMnist.present(DATA),
                "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): search test skipped");
        FashionMnistLearningTest.write(FashionMnist.train(DATA), dir.resolve("train.jsonl"));
        FashionMnistLearningTest.write(FashionMnist.test(DATA), dir.resolve("test.jsonl"));
    }

    /** 9 trials of a one-hidden-layer MLP: Adam's lr and the width searched. */
    private static String mlp(String search) {
        return """
                id: fashion-sh
                topic: fashion.examples
                input_width: 784
                task: {type: classification, classes: 10}
                layers:
                  - {type: dense, units: {choice: [32, 128]}, weight_init: {type: kaiming_uniform, nonlinearity: relu}}
                  - {type: relu}
                  - {type: dense, units: 10}
                optimizer: {type: adam, lr: {log_uniform: [1.0e-5, 3.0e-1]}}
                batch_size: 32
                seed: 1
                search: %s
                """.formatted(search);
    }

    private static JsonNode search(String name, String spec, boolean test) throws Exception {
        Path specFile = dir.resolve(name + ".yaml");
        Files.writeString(specFile, spec);
        Path metrics = dir.resolve(name + ".json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        TrainCommand command = new TrainCommand();
        command.err = new PrintWriter(err, true, StandardCharsets.UTF_8);
        int code = new picocli.CommandLine(command).execute(test
                ? new String[] {"--spec", specFile.toString(), "--data", dir.resolve("train.jsonl").toString(), "--out",
                        dir.resolve(name + ".safetensors").toString(), "--metrics", metrics.toString(), "--search", "--test",
                        dir.resolve("test.jsonl").toString()}
                : new String[] {"--spec", specFile.toString(), "--data", dir.resolve("train.jsonl").toString(), "--out",
                        dir.resolve(name + ".safetensors").toString(), "--metrics", metrics.toString(), "--search"});
        System.out.print(err.toString(StandardCharsets.UTF_8));
        assertEquals(0, code, name + ": " + err);
        return JSON.readTree(metrics.toFile());
    }

    /**
     * Successive halving from 9 trials (eta 3, 62,400 examples of compute) picks the trial that
     * wins when all 9 train the same 30,000 records to the end (270,000 examples of compute): the
     * same trials, proposed from the same seed, scored on the same last 100 batches.
     */
    @Test
    void successiveHalvingPicksTheWinnerOfEveryTrialRunToTheEndAtUnderAThirdOfTheCompute() throws Exception {
        JsonNode halving = search("halving",
                mlp("{strategy: successive_halving, trials: 9, eta: 3, budget: {examples: 62400}, seed: 11}"), false)
                .get("search");
        long length = halving.get("search_stream_examples").asLong();
        JsonNode full = search("full",
                mlp("{strategy: random, trials: 9, budget: {examples: " + 9 * length + "}, seed: 11}"), false).get("search");
        JsonNode h = halving.get("leaderboard").get(0);
        JsonNode f = full.get("leaderboard").get(0);
        double ratio = halving.get("compute_examples").asDouble() / full.get("compute_examples").asDouble();
        System.out.printf(Locale.ROOT, "fashion-mnist search: successive halving winner trial %d %s (compute %d), every trial "
                + "to the end winner trial %d %s score %.4f (compute %d): %.2f of the compute%n", h.get("trial").asInt(),
                h.get("values"), halving.get("compute_examples").asLong(), f.get("trial").asInt(), f.get("values"),
                f.get("score").asDouble(), full.get("compute_examples").asLong(), ratio);
        assertEquals(f.get("values"), h.get("values"), "the same winner");
        assertTrue(ratio <= 1 / 3.0, "at most a third of the compute: " + ratio);
        assertEquals(9, full.get("leaderboard").size());
    }

    /**
     * examples/fashion-search.yaml: fashion-best's network with lr, weight decay, dropout and both
     * widths searched by successive halving in one pass; the winner's test accuracy stands next to
     * the hand-tuned spec's 0.871 (FashionMnistLearningTest), at the compute reported.
     */
    @Test
    void aSearchInOnePassStandsNextToTheHandTunedSpec() throws Exception {
        JsonNode m = search("fashion-search", Files.readString(Path.of("examples/fashion-search.yaml")), true);
        JsonNode fin = m.get("final");
        JsonNode s = m.get("search");
        long alone = fin.get("examples").asLong() - s.get("search_stream_examples").asLong();
        double test = fin.get("test_accuracy").asDouble();
        System.out.printf(Locale.ROOT, "fashion-mnist search: winner %s test accuracy %.4f; compute %d examples in the search "
                + "+ %d alone = %.2f passes (fashion-best.yaml: 0.871, 1 pass)%n", s.get("leaderboard").get(0).get("values"),
                test,
                s.get("compute_examples").asLong(), alone, (s.get("compute_examples").asDouble() + alone) / 60_000);
        assertEquals(60_000, fin.get("records").asLong());
        assertTrue(test >= 0.85, "the searched winner's test accuracy " + test + " should be in fashion-best's league (0.871)");
    }
}
