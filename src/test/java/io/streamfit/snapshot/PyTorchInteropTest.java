package io.streamfit.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A snapshot loads into the equivalent {@code torch.nn.Sequential} with
 * {@code load_state_dict(strict=True)} and that model computes the same outputs. Needs Debian's
 * {@code python3-torch} ({@code .ci/run} installs it); skipped with a message where it is absent.
 */
public class PyTorchInteropTest {

    /** Whether Debian's python3-torch answers at /usr/bin/python3 (tests that need it skip without). */
    public static boolean torchAvailable() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void snapshotLoadsIntoTorchSequentialAndPredictsTheSame(@TempDir Path dir) throws Exception {
        assertTorchAgrees(dir, """
                id: interop
                topic: t
                input_width: 5
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 8}, {type: layer_norm, eps: 1.0e-5}, {type: gelu}, {type: dense, units: 6},
                         {type: batch_norm, momentum: 0.3}, {type: tanh}, {type: dropout, p: 0.3}, {type: dense, units: 4},
                         {type: sigmoid}, {type: relu}, {type: dense, units: 3}]
                optimizer: {type: sgd, lr: 0.1, momentum: 0.9}
                batch_size: 4
                seed: 9
                """);
    }

    @Test
    void residualBlocksLoadIntoTheTorchResidualModule(@TempDir Path dir) throws Exception {
        // Nested names (1.body.1.running_mean, 1.body.3.body.0.weight) and the body's own fan-in.
        assertTorchAgrees(dir, """
                id: interop-res
                topic: t
                input_width: 5
                task: {type: classification, classes: 3}
                layers:
                  - {type: dense, units: 8}
                  - type: residual
                    layers:
                      - {type: dense, units: 4}
                      - {type: batch_norm, momentum: 0.3}
                      - {type: relu}
                      - {type: residual, layers: [{type: dense, units: 4}, {type: tanh}]}
                      - {type: dense, units: 8}
                  - {type: residual, layers: [{type: layer_norm}, {type: dense, units: 8}, {type: gelu}]}
                  - {type: dense, units: 3}
                optimizer: {type: sgd, lr: 0.1, momentum: 0.9}
                batch_size: 4
                seed: 9
                """);
    }

    @Test
    void recurrentLayersLoadIntoTorchsModulesAndPredictTheSame(@TempDir Path dir) throws Exception {
        // Stacked, bidirectional, variational dropout in training, sequences of their own lengths (packed in PyTorch).
        for (String layer : List.of("{type: lstm, hidden_size: 5, num_layers: 2, bidirectional: true, input_dropout: 0.2, "
                + "recurrent_dropout: 0.2, hh_init: orthogonal, forget_bias: 1.0}", "{type: gru, hidden_size: 4, output: mean}",
                "{type: rnn, hidden_size: 4, nonlinearity: relu, num_layers: 2, truncate: 2}")) {
            assertTorchAgrees(dir, String.join("\n", "id: interop-seq", "topic: t",
                    "sequence: {length: 6, min_length: 1, features: 3}", "task: {type: classification, classes: 3}",
                    "layers: [" + layer + ", {type: layer_norm}, {type: dense, units: 3}]",
                    "optimizer: {type: adam, lr: 0.01}", "gradient_clipping: {max_norm: 1.0}", "batch_size: 4", "seed: 9"));
        }
    }

    /** A random input row: a sequence of random length for a sequence spec, else {@code width} values. */
    private static float[] row(ModelSpec spec, SplitMix64 rng) {
        float[] row = new float[spec.inputWidth()];
        ModelSpec.SequenceSpec seq = spec.sequence();
        int values = seq == null ? row.length : seq.features() * (1 + (int) (rng.nextDouble() * seq.length()));
        for (int j = 0; j < values; j++) {
            row[j] = (float) rng.nextGaussian();
        }
        if (seq != null) {
            row[row.length - 1] = values / seq.features();
        }
        return row;
    }

    private static void assertTorchAgrees(Path dir, String specText) throws Exception {
        assumeTrue(torchAvailable(), "PyTorch (Debian python3-torch) is not installed: skipping the load_state_dict check");
        ModelSpec spec = SpecParser.parse(specText);
        ModelState s = ModelState.fresh(spec);
        SplitMix64 rng = new SplitMix64(4);
        int width = spec.inputWidth();
        float[][] inputs = new float[6][];
        for (int step = 0; step < 5; step++) {
            float[] x = new float[4 * width];
            for (int i = 0; i < 4; i++) {
                System.arraycopy(row(spec, rng), 0, x, i * width, width);
            }
            s.train(new Batch(4, width, x, 1, new float[] {0, 1, 2, 1}));
        }
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = row(spec, rng);
        }
        float[][] ours = s.predict(Nd4j.create(inputs)).output().toFloatMatrix();
        Path file = dir.resolve("interop.safetensors");
        Files.write(file, SnapshotCodec.encode(s, 1, Map.of()));
        Path in = dir.resolve("inputs.json");
        ObjectMapper json = new ObjectMapper();
        Files.writeString(in, json.writeValueAsString(inputs));

        Process p = new ProcessBuilder("/usr/bin/python3", "src/test/python/load_state_dict.py", file.toString(), in.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "python exited with an error; output: " + out);
        float[][] theirs = json.readValue(out, float[][].class);
        for (int i = 0; i < inputs.length; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(theirs[i][j], ours[i][j], 1e-5, "output [" + i + "][" + j + "]");
            }
        }
    }
}
