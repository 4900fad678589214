package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged service ({@code java -jar target/quarkus-app/quarkus-run.jar}) as a real process
 * against a real broker: stopped with SIGTERM after training, a new process resumes from the
 * snapshot's version and offsets rather than from scratch, and trains every example exactly once.
 */
class ServiceRestartIT {
    private static EmbeddedKafka kafka;
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        kafka = EmbeddedKafka.start(null);
        dir = Files.createDirectories(Path.of("target", "it-restart"));
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve("restart.yaml"), """
                id: restart
                topic: restart.examples
                input_width: 8
                task: {type: classification, classes: 4}
                layers: [{type: dense, units: 16}, {type: tanh}, {type: dense, units: 4}]
                optimizer: {type: sgd, lr: 0.05, momentum: 0.9, nesterov: true}
                batch_size: 10
                seed: 3
                snapshot: {every_steps: 7, every_seconds: 1}
                """);
        TestKafka.createTopic(kafka.bootstrapServers(), "restart.examples", 1);
    }

    @AfterAll
    static void tearDown() throws Exception {
        kafka.close();
    }

    private static Process start(int port, String log) throws IOException {
        return PackagedService.start(kafka.bootstrapServers(), dir.resolve("models"), port, dir.resolve(log));
    }

    private static JsonNode status(int port) {
        return PackagedService.status(port, "restart");
    }

    private static int freePort() throws IOException {
        return PackagedService.freePort();
    }

    @Test
    void aNewProcessResumesFromTheSnapshotInsteadOfFromScratch() throws Exception {
        List<byte[]> records = ReferenceRun.records(150, 1);
        TestKafka.produce(kafka.bootstrapServers(), "restart.examples", records.subList(0, 100)); // 300 examples
        int port = freePort();
        Process first = start(port, "first.log");
        try {
            TestKafka.await("first process trained 300 examples and snapshotted them", Duration.ofSeconds(120), () -> {
                JsonNode s = status(port);
                return s != null && s.path("examples_seen").asLong() == 300
                        && s.path("snapshot_positions").path("0").path("offset").asLong() == 100;
            });
        } finally {
            first.destroy(); // SIGTERM: the service publishes a final snapshot and exits
        }
        long termAt = System.nanoTime();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "first process exited after SIGTERM");
        double seconds = (System.nanoTime() - termAt) / 1e9;
        System.out.printf("ServiceRestartIT: SIGTERM to exit %.1f s%n", seconds);
        assertEquals(0, first.exitValue(), "a graceful stop exits 0");
        assertTrue(seconds < 20, "stopped within the default shutdown budget of 20 s: " + seconds + " s");
        long versionBefore = 0;
        for (var r : TestKafka.readCommitted(kafka.bootstrapServers(), "streamfit.snapshots")) {
            versionBefore = Math.max(versionBefore,
                    Long.parseLong(new String(r.headers().lastHeader(SnapshotStore.VERSION_HEADER).value())));
        }
        assertTrue(versionBefore >= 2, "snapshots were published: " + versionBefore);

        TestKafka.produce(kafka.bootstrapServers(), "restart.examples", records.subList(100, 150)); // 150 more
        int port2 = freePort();
        Process second = start(port2, "second.log");
        try {
            TestKafka.await("second process trained the rest", Duration.ofSeconds(120), () -> {
                JsonNode s = status(port2);
                return s != null && s.path("examples_seen").asLong() >= 450;
            });
            JsonNode s = status(port2);
            assertEquals(versionBefore, s.path("restored_version").asLong(), "resumed from the last snapshot: " + s);
            assertEquals(100, s.path("restored_positions").path("0").path("offset").asLong(), "at its offsets: " + s);
            Thread.sleep(1500); // anything trained twice would show up as more than 450
            assertEquals(450, status(port2).path("examples_seen").asLong(), "every example trained exactly once");
            assertEquals(45, status(port2).path("steps").asLong());
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
