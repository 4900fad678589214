package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.data.RecordDecoder;
import io.streamfit.demo.SyntheticProblem;
import io.streamfit.nn.SplitMix64;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Promise 1 of issue 5, for real: the packaged service is killed with SIGKILL at random moments
 * (while restoring, polling, stepping, publishing or committing: with a snapshot after every
 * step, most of its time is spent in transactions) and restarted, {@code crash.kills} times
 * (4 by default, 40 with {@code -Pfaults}), while records keep arriving. The last committed
 * snapshot must then hold bitwise the parameters, optimizer state, generator state and counters
 * of an uninterrupted run over the same records, and a {@code read_committed} reader must see
 * versions 1, 2, 3, ... without a gap or a repeat.
 *
 * <p>A second model in the same processes reads a three-partition topic, where the interleaving
 * of partitions (and so the exact parameters) depends on poll timing. For it the promise is that
 * every record is trained exactly once in the committed lineage: between consecutive committed
 * snapshots the examples trained grow by exactly the records their positions advanced over, no
 * position ever moves back, and the last snapshot has consumed every record.
 */
class CrashRecoveryIT {
    private static final String SPEC = """
            id: crash
            topic: crash.examples
            input_width: 8
            task: {type: classification, classes: 4}
            layers: [{type: dense, units: 32}, {type: tanh}, {type: dropout, p: 0.2}, {type: dense, units: 4}]
            optimizer: {type: adam, lr: 0.01}
            batch_size: 10
            seed: 11
            snapshot: {every_steps: 1, every_seconds: 0.5}
            """;
    private static final int RECORDS = 600; // 3 examples each: 1,800 examples, 180 steps
    private static final String SPEC3 = SPEC.replace("id: crash", "id: crash3").replace("topic: crash.examples", "topic: crash3.examples")
            .replace("batch_size: 10", "batch_size: 3"); // one record = one batch: positions count records exactly
    private static EmbeddedKafka kafka;
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        kafka = EmbeddedKafka.start(null);
        dir = Files.createDirectories(Path.of("target", "it-crash"));
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve("crash.yaml"), SPEC);
        Files.writeString(models.resolve("crash3.yaml"), SPEC3);
        TestKafka.createTopic(kafka.bootstrapServers(), "crash.examples", 1);
        TestKafka.createTopic(kafka.bootstrapServers(), "crash3.examples", 3);
    }

    @AfterAll
    static void tearDown() throws Exception {
        kafka.close();
    }

    private static Process start(int port, String log) throws IOException {
        // A killed consumer stays in the group until its session times out (45 s by default);
        // the broker's minimum, 6 s, lets the next process take over sooner.
        return PackagedService.start(kafka.bootstrapServers(), dir.resolve("models"), port, dir.resolve(log),
                "-Dkafka.session.timeout.ms=6000");
    }

    private static JsonNode status(int port) {
        return status(port, "crash");
    }

    private static JsonNode status(int port, String model) {
        return PackagedService.status(port, model);
    }

    private static int freePort() throws IOException {
        return PackagedService.freePort();
    }

    @Test
    void killedAtRandomMomentsItEndsBitwiseWhereAnUninterruptedRunEnds() throws Exception {
        int kills = Integer.getInteger("crash.kills", 4);
        SyntheticProblem p = new SyntheticProblem(8, 4, 7, 0);
        List<byte[]> records = new ArrayList<>();
        float[] x = new float[3 * 8];
        int[] y = new int[3];
        for (int i = 0; i < RECORDS; i++) {
            p.next(3, x, y);
            records.add(RecordDecoder.encodeBinary(3, 8, x, y, null, 1));
        }
        SplitMix64 rng = new SplitMix64(2026);
        int produced = 0;
        int chunk = RECORDS / (kills + 1);
        List<Long> killedAtSteps = new ArrayList<>();
        long[] stepsSoFar = {0};
        for (int k = 0; k < kills; k++) {
            TestKafka.produce(kafka.bootstrapServers(), "crash.examples", records.subList(produced, produced + chunk));
            TestKafka.produce(kafka.bootstrapServers(), "crash3.examples", records.subList(produced, produced + chunk), 3);
            produced += chunk;
            int port = freePort();
            Process service = start(port, "run-" + k + ".log");
            try {
                // Once this process trains (it has restored and holds the partition), kill it a
                // random 0-400 ms later: inside the chunk's ~36 steps, each one a transaction.
                TestKafka.await("process " + k + " training", Duration.ofSeconds(120), () -> {
                    JsonNode s = status(port);
                    return s != null && s.path("steps").asLong(-1) > stepsSoFar[0];
                });
                Thread.sleep((long) (rng.nextDouble() * 400));
                JsonNode s = status(port);
                long steps = s == null ? -1 : s.path("steps").asLong(-1);
                killedAtSteps.add(steps);
                stepsSoFar[0] = Math.max(stepsSoFar[0], steps);
            } finally {
                service.destroyForcibly(); // SIGKILL: no shutdown hook, no final snapshot
                service.waitFor(30, TimeUnit.SECONDS);
            }
        }
        TestKafka.produce(kafka.bootstrapServers(), "crash.examples", records.subList(produced, RECORDS));
        TestKafka.produce(kafka.bootstrapServers(), "crash3.examples", records.subList(produced, RECORDS), 3);
        int port = freePort();
        Process last = start(port, "run-last.log");
        try {
            TestKafka.await("the last process trains everything", Duration.ofSeconds(180), () -> {
                JsonNode s = status(port);
                JsonNode s3 = status(port, "crash3");
                return s != null && s.path("examples_seen").asLong() == 3L * RECORDS
                        && s3 != null && s3.path("examples_seen").asLong() == 3L * RECORDS;
            });
        } finally {
            last.destroy(); // SIGTERM: final snapshot
            assertTrue(last.waitFor(30, TimeUnit.SECONDS));
        }
        System.out.printf("CrashRecoveryIT: %d SIGKILLs, at steps %s%n", kills, killedAtSteps);

        // A read_committed reader sees versions 1, 2, 3, ... and the newest holds everything.
        List<ConsumerRecord<byte[], byte[]>> snapshots = TestKafka.readCommitted(kafka.bootstrapServers(), "streamfit.snapshots")
                .stream().filter(r -> "crash".equals(new String(r.key(), StandardCharsets.UTF_8))).toList();
        for (int i = 0; i < snapshots.size(); i++) {
            assertEquals(Long.toString(i + 1), SnapshotCodec.metadata(snapshots.get(i).value()).get("version"),
                    "committed versions contiguous, in order, none twice");
        }
        ModelSpec spec = SpecParser.parse(SPEC);
        ModelState recovered = SnapshotCodec.decode(snapshots.get(snapshots.size() - 1).value(), spec);

        ModelState reference = ReferenceRun.over(spec, records);
        assertEquals(reference.steps(), recovered.steps());
        assertEquals(reference.examplesSeen(), recovered.examplesSeen(), "no example trained twice or skipped");
        assertArrayEquals(reference.network().params().toFloatVector(), recovered.network().params().toFloatVector(),
                "parameters bitwise equal to the uninterrupted run");
        for (String s : reference.optimizer().stateNames()) {
            assertArrayEquals(reference.optimizer().state(s), recovered.optimizer().state(s), "optimizer state " + s);
        }
        assertEquals(reference.rng().state(), recovered.rng().state(), "dropout's generator");

        assertEveryRecordOnceInTheLineage();
    }

    /** The three-partition model: its committed lineage accounts for every record exactly once. */
    private static void assertEveryRecordOnceInTheLineage() throws Exception {
        List<ConsumerRecord<byte[], byte[]>> lineage = TestKafka.readCommitted(kafka.bootstrapServers(), "streamfit.snapshots")
                .stream().filter(r -> "crash3".equals(new String(r.key(), StandardCharsets.UTF_8))).toList();
        long examples = 0;
        java.util.Map<Integer, io.streamfit.data.Position> positions = java.util.Map.of();
        for (int i = 0; i < lineage.size(); i++) {
            java.util.Map<String, String> meta = SnapshotCodec.metadata(lineage.get(i).value());
            assertEquals(Long.toString(i + 1), meta.get("version"), "crash3 versions contiguous");
            java.util.Map<Integer, io.streamfit.data.Position> now = SnapshotCodec.positions(meta.get("positions"));
            long advanced = 0;
            for (var e : now.entrySet()) {
                long before = positions.containsKey(e.getKey()) ? positions.get(e.getKey()).offset() : 0;
                assertEquals(0, e.getValue().skip(), "one record per batch: never inside a record");
                assertTrue(e.getValue().offset() >= before, "partition " + e.getKey() + " moved back at version " + (i + 1));
                advanced += e.getValue().offset() - before;
            }
            long seen = Long.parseLong(meta.get("examples_seen"));
            assertEquals(examples + 3 * advanced, seen, "version " + (i + 1) + ": examples trained = records passed x 3");
            examples = seen;
            positions = now;
        }
        assertEquals(java.util.Map.of(0, new io.streamfit.data.Position(200, 0), 1, new io.streamfit.data.Position(200, 0),
                2, new io.streamfit.data.Position(200, 0)), positions, "every record of every partition consumed");
        assertEquals(3L * RECORDS, examples);
        assertTrue(lineage.size() >= 100, "snapshots across the killed lives: " + lineage.size());
        System.out.printf("CrashRecoveryIT: crash3 (3 partitions) lineage of %d versions checked%n", lineage.size());
    }
}
