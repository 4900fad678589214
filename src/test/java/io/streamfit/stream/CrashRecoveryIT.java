package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.nn.SplitMix64;
import io.streamfit.snapshot.SearchSnapshots;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.Teachers;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchBoard;
import io.streamfit.train.SearchRun;
import io.streamfit.train.Teacher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    private static final String SPEC = ReferenceRun.spec("crash", 10, 11);
    private static final int RECORDS = 600; // 3 examples each: 1,800 examples, 180 steps
    // One record = one batch: positions count records exactly.
    private static final String SPEC3 = ReferenceRun.spec("crash3", 3, 11);
    // A search (successive halving of 9 trials, then challengers), a snapshot of every trial after every batch.
    private static final String SPEC_SEARCH = SearchKafkaTest.specText("crashsearch", 1);
    // Everything issue 17 added, on a stream whose labels are permuted from record 30 on (the
    // alarm comes at about step 11; the 40 kills of -Pfaults fall before it, in its boost and
    // after it, the default 4 mostly before it): a drift detector
    // whose alarm resets the moments, restarts the plateau schedule, boosts the rate and tags the
    // pre-drift snapshot; a replay reservoir; and a teacher (a file) to distill from.
    private static final String SPEC_DRIFT = ReferenceRun.spec("crashdrift", 10, 11) + """
            schedule: {type: plateau, period: 5, patience: 1, factor: 0.5, threshold: 0.1}
            drift:
              detector: {type: page_hinkley, threshold: 3, min_instances: 5}
              reset_moments: true
              restart_schedule: true
              boost_lr: {factor: 2, steps: 40}
              tag_pre_drift: true
            replay: {capacity: 100, fraction: 0.3}
            distillation: {teacher: {file: teacher.safetensors}, alpha: 0.7, temperature: 2.0}
            """;
    // Issue 19: a recurrent model (stacked bidirectional LSTM, variational dropout, truncation) on JSON sequence records.
    private static final String SPEC_SEQ = ReferenceRun.sequenceSpec("crashseq", 10, 11);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedKafka kafka;
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        kafka = EmbeddedKafka.start(null);
        dir = Files.createDirectories(Path.of("target", "it-crash"));
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve("crash.yaml"), SPEC);
        Files.writeString(models.resolve("crash3.yaml"), SPEC3);
        Files.writeString(models.resolve("crashsearch.yaml"), SPEC_SEARCH);
        Files.writeString(models.resolve("crashdrift.yaml"), SPEC_DRIFT);
        Files.writeString(models.resolve("crashseq.yaml"), SPEC_SEQ);
        Path teachers = Files.createDirectories(dir.resolve("pretrained"));
        Files.write(teachers.resolve("teacher.safetensors"), teacher());
        TestKafka.createTopic(kafka.bootstrapServers(), "crash.examples", 1);
        TestKafka.createTopic(kafka.bootstrapServers(), "crash3.examples", 3);
        TestKafka.createTopic(kafka.bootstrapServers(), "crashsearch.examples", 1);
        TestKafka.createTopic(kafka.bootstrapServers(), "crashdrift.examples", 1);
        TestKafka.createTopic(kafka.bootstrapServers(), "crashseq.examples", 1);
    }

    /** The teacher of the crashdrift model: a wider model trained on the stream before its change. */
    private static byte[] teacher() throws Exception {
        ModelSpec spec = SpecParser.parse(ReferenceRun.spec("teacher", 10, 3).replace("units: 32", "units: 64"));
        return SnapshotCodec.encode(ReferenceRun.over(spec, ReferenceRun.records(RECORDS / 2, 7)), 1, Map.of());
    }

    @AfterAll
    static void tearDown() throws Exception {
        kafka.close();
    }

    private static Process start(int port, String log) throws IOException {
        // A killed consumer stays in the group until its session times out (45 s by default);
        // the broker's minimum, 6 s, lets the next process take over sooner.
        return PackagedService.start(kafka.bootstrapServers(), dir.resolve("models"), port, dir.resolve(log),
                "-Dkafka.session.timeout.ms=6000", "-Dstreamfit.pretrained.dir=" + dir.resolve("pretrained").toAbsolutePath());
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
        List<byte[]> records = ReferenceRun.records(RECORDS, 7);
        List<byte[]> drifting = ReferenceRun.driftingRecords(RECORDS, 7, 30);
        List<byte[]> sequences = ReferenceRun.sequenceRecords(RECORDS, 7);
        SplitMix64 rng = new SplitMix64(2026);
        int produced = 0;
        // A multiple of 3, so that the 3-partition topic gets RECORDS / 3 on each partition
        // whatever crash.kills is (with -Pfaults' 40 kills, chunks of 14 gave 214/213/173).
        int chunk = RECORDS / (kills + 1) / 3 * 3;
        List<Long> killedAtSteps = new ArrayList<>();
        long[] stepsSoFar = {0};
        for (int k = 0; k < kills; k++) {
            TestKafka.produce(kafka.bootstrapServers(), "crash.examples", records.subList(produced, produced + chunk));
            TestKafka.produce(kafka.bootstrapServers(), "crash3.examples", records.subList(produced, produced + chunk), 3);
            TestKafka.produce(kafka.bootstrapServers(), "crashsearch.examples", records.subList(produced, produced + chunk));
            TestKafka.produce(kafka.bootstrapServers(), "crashdrift.examples", drifting.subList(produced, produced + chunk));
            TestKafka.produce(kafka.bootstrapServers(), "crashseq.examples", sequences.subList(produced, produced + chunk));
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
        TestKafka.produce(kafka.bootstrapServers(), "crashsearch.examples", records.subList(produced, RECORDS));
        TestKafka.produce(kafka.bootstrapServers(), "crashdrift.examples", drifting.subList(produced, RECORDS));
        TestKafka.produce(kafka.bootstrapServers(), "crashseq.examples", sequences.subList(produced, RECORDS));
        ModelSpec searchSpec = SpecParser.parse(SPEC_SEARCH);
        SearchRun search = ReferenceRun.search(searchSpec, records);
        // Through text, as the service's answer is read: numbers as the parser types them (5 an int, not a long).
        JsonNode searchBoard = JSON.readTree(JSON.writeValueAsString(SearchBoard.of(search).toMap()));
        int port = freePort();
        Process last = start(port, "run-last.log");
        try {
            TestKafka.await("the last process trains everything", Duration.ofSeconds(180), () -> {
                JsonNode s = status(port);
                JsonNode s3 = status(port, "crash3");
                return s != null && s.path("examples_seen").asLong() == 3L * RECORDS
                        && s3 != null && s3.path("examples_seen").asLong() == 3L * RECORDS
                        && status(port, "crashdrift") != null
                        && status(port, "crashdrift").path("examples_seen").asLong() == 3L * RECORDS
                        && status(port, "crashseq") != null
                        && status(port, "crashseq").path("examples_seen").asLong() == 3L * RECORDS
                        && searchBoard.equals(PackagedService.get(port, "/models/crashsearch/search"));
            });
        } finally {
            last.destroy(); // SIGTERM: final snapshot
            assertTrue(last.waitFor(30, TimeUnit.SECONDS));
        }
        System.out.printf("CrashRecoveryIT: %d SIGKILLs, at steps %s%n", kills, killedAtSteps);

        // A read_committed reader sees versions 1, 2, 3, ... and the newest holds everything.
        List<byte[]> snapshots = CommittedLineage.committed(kafka.bootstrapServers(), "crash");
        ModelSpec spec = SpecParser.parse(SPEC);
        ModelState recovered = SnapshotCodec.decode(snapshots.get(snapshots.size() - 1), spec);
        CommittedLineage.assertBitwise(ReferenceRun.over(spec, records), recovered);

        // The recurrent model: bitwise the uninterrupted run, its dropout masks drawn from the restored generator.
        ModelSpec seqSpec = SpecParser.parse(SPEC_SEQ);
        List<byte[]> seqLineage = CommittedLineage.committed(kafka.bootstrapServers(), "crashseq");
        CommittedLineage.assertBitwise(ReferenceRun.over(seqSpec, sequences),
                SnapshotCodec.decode(seqLineage.get(seqLineage.size() - 1), seqSpec));
        System.out.printf("CrashRecoveryIT: crashseq (LSTM) lineage of %d versions checked%n", seqLineage.size());

        // The three-partition model: its committed lineage accounts for every record exactly once.
        List<byte[]> lineage = CommittedLineage.committed(kafka.bootstrapServers(), "crash3");
        CommittedLineage.assertEveryRecordOnce("crash3", lineage, 3, RECORDS / 3, 3);
        assertTrue(lineage.size() >= 100, "snapshots across the killed lives: " + lineage.size());
        System.out.printf("CrashRecoveryIT: crash3 (3 partitions) lineage of %d versions checked%n", lineage.size());

        // The search: its last committed snapshot holds bitwise the search in memory over the same records.
        List<byte[]> searched = CommittedLineage.committed(kafka.bootstrapServers(), "crashsearch");
        SearchRun restored = SearchSnapshots.restore(searched.get(searched.size() - 1), searchSpec);
        assertEquals(SearchBoard.of(search), SearchBoard.of(restored), "the search's leaderboard, bitwise");
        for (Map.Entry<Integer, ModelState> t : search.liveTrials().entrySet()) {
            CommittedLineage.assertBitwise(t.getValue(), restored.liveTrials().get(t.getKey()));
        }
        System.out.printf("CrashRecoveryIT: search lineage of %d versions checked, %d trials started, %d live%n",
                searched.size(), search.started(), search.liveTrials().size());

        // Drift, replay, plateau and distillation: the last committed snapshot is bitwise the same
        // model trained in memory over the same records with the same teacher, alarms included.
        ModelSpec driftSpec = SpecParser.parse(SPEC_DRIFT);
        Teacher teacher = Teachers.load(Files.readAllBytes(dir.resolve("pretrained").resolve("teacher.safetensors")), driftSpec);
        ModelState driftRef = ReferenceRun.over(driftSpec, drifting, teacher);
        List<byte[]> driftLineage = CommittedLineage.committed(kafka.bootstrapServers(), "crashdrift");
        ModelState driftRecovered = SnapshotCodec.decode(driftLineage.get(driftLineage.size() - 1), driftSpec);
        CommittedLineage.assertBitwise(driftRef, driftRecovered);
        assertTrue(driftRef.drift().alarms() >= 1, "the permutation raised an alarm: " + driftRef.drift().state());
        assertEquals(driftRef.drift().state(), driftRecovered.drift().state(), "the alarms and their effects");
        assertEquals(driftRef.drift().detector().state(), driftRecovered.drift().detector().state(), "the detector");
        assertEquals(driftRef.metricSchedule().state(), driftRecovered.metricSchedule().state(), "the plateau schedule");
        assertEquals(driftRef.optimizer().stateOrigin(), driftRecovered.optimizer().stateOrigin(), "the moments' reset");
        assertArrayEquals(driftRef.replay().inputs(), driftRecovered.replay().inputs(), "the reservoir");
        assertEquals(driftRef.replay().state(), driftRecovered.replay().state(), "the reservoir's counts and generator");
        long tags = TestKafka.readCommitted(kafka.bootstrapServers(), "streamfit.snapshots").stream()
                .filter(r -> "crashdrift/pre-drift".equals(new String(r.key(), StandardCharsets.UTF_8))).count();
        assertTrue(tags >= driftRef.drift().alarms(), "a pre-drift snapshot per alarm (again after a kill): " + tags);
        // Which steps the killed processes' successors restored from (the log says so), to show
        // where the kills fell against the alarm.
        List<Long> restoredAt = new ArrayList<>();
        Pattern restore = Pattern.compile("model crashdrift restored snapshot version \\d+ \\(step (\\d+),");
        for (int k = 0; k <= kills; k++) {
            for (String l : Files.readAllLines(dir.resolve(k < kills ? "run-" + k + ".log" : "run-last.log"))) {
                Matcher m = restore.matcher(l);
                if (m.find()) {
                    restoredAt.add(Long.parseLong(m.group(1)));
                }
            }
        }
        System.out.printf("CrashRecoveryIT: crashdrift lineage of %d versions checked, %d drift alarm(s), the last at step %d,"
                + " %d pre-drift tags; the processes restored at steps %s%n", driftLineage.size(), driftRef.drift().alarms(),
                driftRef.drift().lastAlarmStep(), tags, restoredAt);
    }
}
