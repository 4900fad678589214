package io.streamfit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's command, run as a process on the packaged application: {@code java -jar
 * target/quarkus-app/quarkus-run.jar train ...} trains, writes the snapshot and metrics, and
 * starts neither Quarkus nor Kafka.
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
}
