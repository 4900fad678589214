package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.cli.TrainCommand;
import io.streamfit.files.PretrainedFiles;
import io.streamfit.nn.SplitMix64;
import io.streamfit.snapshot.PyTorchInteropTest;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A PyTorch {@code state_dict} written by real PyTorch (src/test/python/save_state_dict.py: the
 * {@code nn.Sequential} a spec describes, saved as safetensors in float32, float64, float16 or
 * bfloat16, {@code num_batches_tracked} as int64) starts a model through {@code pretrained.file}
 * and through {@code train --init}, and the model then predicts what PyTorch predicts on the
 * same inputs. Needs Debian's {@code python3-torch}; skipped with a message where it is absent.
 */
class PyTorchStateDictTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static final String SPEC = """
            id: from-torch
            topic: t
            input_width: 5
            task: {type: classification, classes: 3}
            layers: [{type: dense, units: 8}, {type: batch_norm, momentum: 0.3}, {type: relu}, {type: dense, units: 6},
                     {type: layer_norm}, {type: tanh}, {type: residual, layers: [{type: dense, units: 6}, {type: gelu}]},
                     {type: dense, units: 3}]
            optimizer: {type: adam, lr: 0.01}
            batch_size: 4
            seed: 9
            """;

    /** Runs the python script; returns PyTorch's outputs for {@code inputs}. */
    private float[][] torchSaves(ModelSpec spec, float[][] inputs, Path out, String dtype) throws Exception {
        Path specFile = dir.resolve("spec.json");
        Files.writeString(specFile, SpecParser.toJson(spec));
        Path in = dir.resolve("inputs.json");
        Files.writeString(in, JSON.writeValueAsString(inputs));
        Process p = new ProcessBuilder("/usr/bin/python3", "src/test/python/save_state_dict.py", specFile.toString(),
                in.toString(),
                out.toString(), dtype).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "python exited with an error; output: " + text);
        return JSON.readValue(text, float[][].class);
    }

    private static float[][] inputs() {
        SplitMix64 rng = new SplitMix64(4);
        float[][] x = new float[6][5];
        for (float[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) (2 * rng.nextGaussian() + 0.5);
            }
        }
        return x;
    }

    private static void assertSameOutputs(float[][] theirs, float[][] ours, String what) {
        for (int i = 0; i < theirs.length; i++) {
            for (int j = 0; j < theirs[i].length; j++) {
                assertEquals(theirs[i][j], ours[i][j], 1e-5, what + ": output [" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void aTorchStateDictStartsAModelThroughPretrainedFile() throws Exception {
        assumeTrue(PyTorchInteropTest.torchAvailable(),
                "PyTorch (Debian python3-torch) is not installed: skipping the state_dict check");
        float[][] x = inputs();
        for (String dtype : List.of("float32", "float64", "float16", "bfloat16")) {
            Path models = Files.createDirectories(dir.resolve("pretrained-" + dtype));
            ModelSpec spec = SpecParser.parse(SPEC + "pretrained: {file: torch.safetensors}\n");
            float[][] theirs = torchSaves(spec, x, models.resolve("torch.safetensors"), dtype);
            PretrainedSource source = new PretrainedSource(spec, null, new PretrainedFiles(Optional.of(models), false, 1 << 20));
            ModelState s = source.startingState();
            assertEquals(0, s.steps(), "the optimizer starts fresh");
            assertSameOutputs(theirs, s.predict(Nd4j.create(x)).output().toFloatMatrix(), dtype + " through pretrained.file");
            float[] fresh = ModelState.fresh(spec).network().buffers().toFloatVector();
            assertEquals(false, Arrays.equals(fresh, s.network().buffers().toFloatVector()),
                    "batch norm's running statistics came from the file");
        }
    }

    @Test
    void aTorchStateDictStartsTheTrainCommandThroughInit() throws Exception {
        assumeTrue(PyTorchInteropTest.torchAvailable(),
                "PyTorch (Debian python3-torch) is not installed: skipping the state_dict check");
        // Learning rate 0 and no batch norm: training leaves the parameters as loaded, so the
        // written model must still predict what PyTorch predicts.
        ModelSpec spec = SpecParser
                .parse(SPEC.replace("{type: batch_norm, momentum: 0.3}, ", "").replace("adam, lr: 0.01", "sgd, lr: 0.0"));
        float[][] x = inputs();
        Path init = dir.resolve("init.safetensors");
        float[][] theirs = torchSaves(spec, x, init, "float32");
        Path specFile = dir.resolve("spec.yaml");
        Files.writeString(specFile,
                SPEC.replace("{type: batch_norm, momentum: 0.3}, ", "").replace("adam, lr: 0.01", "sgd, lr: 0.0"));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add("{\"x\":[0.1,0.2,0.3,0.4," + i + "],\"y\":" + (i % 3) + "}");
        }
        Path data = Files.write(dir.resolve("d.jsonl"), lines);
        Path out = dir.resolve("out.safetensors");
        assertEquals(0, TrainCommand.run("--spec", specFile.toString(), "--data", data.toString(), "--init", init.toString(),
                "--out", out.toString()));
        ModelState trained = SnapshotCodec.decode(Files.readAllBytes(out), spec);
        assertEquals(2, trained.steps(), "two batches trained, from a fresh optimizer");
        assertSameOutputs(theirs, trained.predict(Nd4j.create(x)).output().toFloatMatrix(), "through train --init");
    }
}
