package io.streamfit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.demo.FashionMnist;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Fashion-MNIST numbers of docs/train-command.md#fashion-mnist-against-pytorch, as a test: the
 * 60,000 training images streamed once, in file order, through the {@code train} command with the
 * two specs that page shows
 * ({@code examples/fashion-mlp.yaml}, a plain 784-256-256-10 MLP with Adam, and
 * {@code examples/fashion-best.yaml}, the best configuration found from the toolbox), then the
 * 10,000 test images. PyTorch 1.13 runs the plain experiment at 0.832-0.838 test accuracy here
 * ({@code bench/fashion_mnist_pytorch.py}, 3 seeds); the plain spec must be in that league and
 * the best spec clearly above it. Skips with a message where Debian's
 * {@code dataset-fashion-mnist} is not installed ({@code .ci/run} installs it).
 */
class FashionMnistLearningTest {
    private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeJsonLines() throws Exception {
        Assumptions.assumeTrue(FashionMnist.present(DATA),
                "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): learning test skipped");
        write(FashionMnist.train(DATA), dir.resolve("train.jsonl"));
        write(FashionMnist.test(DATA), dir.resolve("test.jsonl"));
    }

    /** The same text as {@code examples/fashion_mnist_jsonl.py} writes: pixels / 255, 6 significant digits. */
    static void write(FashionMnist.Split split, Path file) throws Exception {
        String[] pixel = new String[256];
        for (int v = 0; v < 256; v++) {
            pixel[v] = v == 0 ? "0" : v == 255 ? "1" : String.format(Locale.ROOT, "%.6g", v / 255.0);
        }
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder(4096);
            for (int i = 0; i < split.count(); i++) {
                line.setLength(0);
                line.append("{\"x\":[");
                for (int j = 0; j < FashionMnist.WIDTH; j++) {
                    line.append(j == 0 ? "" : ",").append(pixel[Math.round(split.x()[i * FashionMnist.WIDTH + j] * 255)]);
                }
                line.append("],\"y\":").append(split.labels()[i]).append("}\n");
                out.append(line);
            }
        }
    }

    private static JsonNode train(String spec) throws Exception {
        Path metrics = dir.resolve(spec + ".json");
        int code = TrainCommand.run("--spec", Path.of("examples", spec + ".yaml").toString(),
                "--data", dir.resolve("train.jsonl").toString(), "--test", dir.resolve("test.jsonl").toString(),
                "--out", dir.resolve(spec + ".safetensors").toString(), "--metrics", metrics.toString());
        assertEquals(0, code, "train " + spec);
        JsonNode fin = new ObjectMapper().readTree(metrics.toFile()).get("final");
        System.out.printf("fashion-mnist %s: prequential loss %.4f accuracy %.4f, test accuracy %.4f, %.0f examples/s%n", spec,
                fin.get("prequential_loss").asDouble(), fin.get("prequential_accuracy").asDouble(),
                fin.get("test_accuracy").asDouble(), fin.get("examples_per_second").asDouble());
        assertEquals(60_000, fin.get("records").asLong());
        assertEquals(10_000, fin.get("test_examples").asLong());
        return fin;
    }

    @Test
    void thePlainMlpMatchesPyTorchAndTheToolboxBeatsIt() throws Exception {
        JsonNode plain = train("fashion-mlp");
        double plainTest = plain.get("test_accuracy").asDouble();
        assertTrue(plainTest >= 0.82, "plain MLP with Adam: test accuracy " + plainTest + " (PyTorch: 0.832-0.838)");
        assertTrue(plain.get("prequential_accuracy").asDouble() >= 0.80, "plain prequential accuracy");

        JsonNode best = train("fashion-best");
        double bestTest = best.get("test_accuracy").asDouble();
        assertTrue(bestTest >= 0.86 && bestTest > plainTest + 0.02,
                "best configuration: test accuracy " + bestTest + " should clearly beat the plain " + plainTest);
        assertTrue(best.get("prequential_accuracy").asDouble() > plain.get("prequential_accuracy").asDouble(),
                "and learn faster along the way (prequential accuracy)");
    }
}
