package io.streamfit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.BlasLibrary;
import io.streamfit.train.ModelState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code train} command of docs/train-command.md, run as a process on the packaged
 * application: {@code java -jar target/quarkus-app/quarkus-run.jar train ...} trains, writes the
 * snapshot and metrics, and starts neither Quarkus nor Kafka.
 */
class TrainCommandIT {
    @TempDir
    Path dir;

    @Test
    void thePackagedJarRunsTheTrainCommand() throws Exception {
        Path spec = dir.resolve("s.yaml");
        Files.writeString(spec, TrainCommandTest.spec("packaged", "no.such.topic"));
        Path data = dir.resolve("d.jsonl");
        Files.write(data, TrainCommandTest.records(50, 7), StandardCharsets.UTF_8);
        Path out = dir.resolve("o.safetensors");
        Path metrics = dir.resolve("m.json");
        Path log = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder("java", "-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toString(), "train",
                "--spec", spec.toString(), "--data", data.toString(), "--out", out.toString(), "--metrics", metrics.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the command finished");
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        ModelState s = SnapshotCodec.decode(Files.readAllBytes(out), SpecParser.parse(Files.readString(spec)));
        assertTrue(s.steps() > 5, "trained " + s.steps() + " steps");
        assertTrue(Files.readString(metrics).contains("\"prequential_accuracy\""));
        assertTrue(output.contains("\"prequential_loss\""), output);
        assertFalse(output.contains("Quarkus") || output.toLowerCase().contains("kafka"),
                "no Quarkus start-up and no Kafka client: " + output);
    }

    /**
     * {@code STREAMFIT_BLAS=system} makes the packaged command's GEMMs run on Debian's OpenBLAS
     * (what the process maps, reported in the summary), and trains the same model as the bundled
     * library to float32 rounding. Skips where Debian's libopenblas0-pthread is not installed.
     */
    @Test
    void systemBlasIsLoadedWhenAsked() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of(BlasLibrary.DEFAULT_DIR, "libopenblas.so.0")),
                "Debian's libopenblas0-pthread is not installed");
        Path spec = dir.resolve("s.yaml");
        Files.writeString(spec, TrainCommandTest.spec("blas", "no.such.topic"));
        Path data = dir.resolve("d.jsonl");
        Files.write(data, TrainCommandTest.records(50, 7), StandardCharsets.UTF_8);
        String bundled = runTrain(spec, data, dir.resolve("bundled.safetensors"), "bundled");
        String system = runTrain(spec, data, dir.resolve("system.safetensors"), "system");
        assertTrue(bundled.contains("\"blas\":\"OpenBLAS 0.3.19 ("), bundled);
        assertTrue(system.contains("\"blas\":\"OpenBLAS 0.") && !system.contains("OpenBLAS 0.3.19"), system);
        ModelSpec s = SpecParser.parse(Files.readString(spec));
        float[] a = SnapshotCodec.decode(Files.readAllBytes(dir.resolve("bundled.safetensors")), s).network().params()
                .toFloatVector();
        float[] b = SnapshotCodec.decode(Files.readAllBytes(dir.resolve("system.safetensors")), s).network().params()
                .toFloatVector();
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-3f, "parameter " + i);
        }
    }

    private String runTrain(Path spec, Path data, Path out, String blas) throws Exception {
        Path log = dir.resolve(blas + ".txt");
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toString(),
                "train",
                "--spec", spec.toString(), "--data", data.toString(), "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("STREAMFIT_BLAS", blas);
        pb.environment().put("STREAMFIT_BLAS_DIR", BlasLibrary.DEFAULT_DIR);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the command finished");
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        return output;
    }
}
