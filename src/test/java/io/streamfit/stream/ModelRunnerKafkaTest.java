package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamfit.data.Examples;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.demo.SyntheticProblem;
import io.streamfit.files.PretrainedFiles;
import io.streamfit.metrics.MetricNames;
import io.streamfit.metrics.ModelMeters;
import io.streamfit.nn.SplitMix64;
import io.streamfit.snapshot.Position;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * Training loops against a real in-JVM Kafka broker: restart from the snapshot topic, and
 * poison records.
 */
class ModelRunnerKafkaTest extends BrokerTest {
    private static final SimpleMeterRegistry METRICS = new SimpleMeterRegistry();

    static String spec(String id, String topic, int batch, String snapshot) {
        return """
                id: %s
                topic: %s
                input_width: 6
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 16}, {type: layer_norm}, {type: relu}, {type: dense, units: 3}]
                optimizer: {type: adam, lr: 0.01}
                gradient_clipping: {max_norm: 1.0}
                batch_size: %d
                seed: 5
                snapshot: %s
                """.formatted(id, topic, batch, snapshot);
    }

    /** A running runner and its thread. */
    record Running(ModelRunner runner, Thread thread, ModelMeters meters) {
        /** A runner of {@code spec} on its own thread, its meters in {@code registry}, polling every 100 ms. */
        static Running start(ModelSpec spec, KafkaClients with, SnapshotStore store, MeterRegistry registry) {
            ModelMeters meters = new ModelMeters(registry, spec.id());
            ModelRunner r = new ModelRunner(spec, with, store, meters,
                    new RunnerSettings("streamfit.", Duration.ofMillis(100), Duration.ofSeconds(60), Duration.ofSeconds(5)));
            Thread t = new Thread(r);
            t.start();
            return new Running(r, t, meters);
        }

        void stop() throws InterruptedException {
            stopTogether(this);
        }

        /**
         * Stops {@code instances} of one model and checks their decode-ahead threads ended with
         * them: all at once, since the threads are named by the model ({@code decode-<id>}) and
         * one instance's would be taken for another's.
         */
        static void stopTogether(Running... instances) throws InterruptedException {
            for (Running r : instances) {
                r.runner.stop();
            }
            for (Running r : instances) {
                r.thread.join(30_000);
                assertTrue(!r.thread.isAlive(), "runner thread ended");
            }
            String decodeThread = "decode-" + instances[0].runner.spec().id();
            assertTrue(
                    Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals(decodeThread) && t.isAlive()),
                    "the model's decode-ahead thread ended with it");
            for (Running r : instances) {
                r.meters.close();
            }
        }

        /** Examples trained so far, or -1 while the runner is still restoring. */
        long examples() {
            ModelState s = runner.state();
            return s == null ? -1 : s.examplesSeen();
        }
    }

    private static Running run(ModelSpec spec) {
        return run(spec, clients);
    }

    private static Running run(ModelSpec spec, KafkaClients with) {
        return Running.start(spec, with, store, METRICS);
    }

    /** {@code records} binary records of {@code perRecord} examples of a 3-class problem. */
    static List<byte[]> records(int records, int perRecord) {
        SyntheticProblem p = new SyntheticProblem(6, 3, 11, 0);
        List<byte[]> out = new ArrayList<>();
        float[] x = new float[perRecord * 6];
        int[] y = new int[perRecord];
        for (int i = 0; i < records; i++) {
            p.next(perRecord, x, y);
            out.add(RecordDecoder.encodeBinary(perRecord, 6, x, y, null, 1));
        }
        return out;
    }

    /**
     * Trains a second model with the same spec (another id, so its own group and transactional
     * id) over the same records without interruption, and asserts {@code actual} is bitwise that.
     */
    private static void assertEqualsUninterruptedRun(ModelState actual, String topic, long examples) throws Exception {
        String id = topic.replace(".in", "") + "-ref";
        Running c = run(SpecParser.parse(spec(id, topic, 8, "{every_steps: 1000, every_seconds: 0}")));
        TestKafka.await("reference run over " + topic, Duration.ofSeconds(60),
                () -> c.examples() >= examples);
        c.stop();
        ModelState ref = c.runner().state();
        assertEquals(ref.steps(), actual.steps());
        assertEquals(ref.network().params(), actual.network().params(), "parameters bitwise equal to the uninterrupted run");
        for (String s : ref.optimizer().stateNames()) {
            assertArrayEquals(ref.optimizer().state(s), actual.optimizer().state(s), s);
        }
        // The prequential window (status: prequential loss, accuracy, window_batches) too, batch by batch.
        assertEquals(ref.window().entries(), actual.window().entries(), "prequential window equal to the uninterrupted run's");
        assertEquals(Double.doubleToRawLongBits(ref.window().loss()), Double.doubleToRawLongBits(actual.window().loss()));
    }

    /** A read_committed reader sees versions 1, 2, 3, ... of the model: none twice, none out of order. */
    private static List<Long> assertVersionsContiguous(String modelId) {
        List<Long> versions = versions(modelId);
        for (int i = 0; i < versions.size(); i++) {
            assertEquals(i + 1, versions.get(i), "versions of " + modelId + ": " + versions);
        }
        return versions;
    }

    private static List<Long> versions(String modelId) {
        return TestKafka.readCommitted(kafka.bootstrapServers(), "streamfit.snapshots").stream()
                .filter(r -> modelId.equals(new String(r.key(), StandardCharsets.UTF_8)))
                .map(r -> {
                    try {
                        return Long.parseLong(SnapshotCodec.metadata(r.value()).get("version"));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }).collect(Collectors.toList());
    }

    @Test
    void restartResumesFromTheSnapshotAndMatchesAnUninterruptedRunBitwise() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "restart.in", 1);
        // 5 examples per record and batch 8: batch boundaries fall inside records, so resuming
        // needs the snapshot's (offset, skip) positions to be exact.
        List<byte[]> data = records(100, 5);
        TestKafka.produce(bootstrap, "restart.in", data.subList(0, 60));

        ModelSpec spec = SpecParser.parse(spec("restart", "restart.in", 8, "{every_steps: 4, every_seconds: 0}"));
        Running a = run(spec);
        TestKafka.await("first instance to train on 300 examples", Duration.ofSeconds(60),
                () -> a.examples() >= 296);
        a.stop();
        ModelState sa = a.runner().state();
        long versionA = a.runner().version();
        Map<Integer, Position> positionsA = a.runner().snapshotPositions();
        assertEquals(Map.of(0, new Position(59, 1)), positionsA, "296 of 300 examples trained: record 59 from example 1");
        assertTrue(versionA >= 2);

        TestKafka.produce(bootstrap, "restart.in", data.subList(60, 100));
        Running b = run(spec);
        TestKafka.await("second instance to catch up", Duration.ofSeconds(60),
                () -> b.examples() >= 496);
        assertEquals(versionA, b.runner().restoredVersion(), "resumed from the snapshot, not from scratch");
        assertEquals(positionsA, b.runner().restoredPositions());
        b.stop();
        ModelState sb = b.runner().state();
        assertEquals(496, sb.examplesSeen(), "no example trained twice, none skipped");
        assertTrue(b.runner().version() > versionA);

        assertEqualsUninterruptedRun(sb, "restart.in", 496);
        assertVersionsContiguous("restart");
        Map<TopicPartition, OffsetAndMetadata> committed = TestKafka.committed(bootstrap, "streamfit.restart");
        assertEquals(99, committed.get(new TopicPartition("restart.in", 0)).offset(),
                "group offset = the record holding the first untrained example, never beyond the snapshot");
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndTrainingGoesOn() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "poison.in", 1);
        List<byte[]> values = new ArrayList<>();
        Map<Long, String> bad = new HashMap<>();
        int good = 0;
        String[] poison = {
                "{\"x\":[1,2,3],\"y\":1}", // wrong width
                "{\"x\":[1,2,3,4,5,NaN],\"y\":1}", // non-finite
                "{\"x\":[1,2,3,4,5,6],\"y\":7}", // label out of range
                "not json at all", // decode error
                "{\"x\":[1,2,3,4,5,6],\"y\":1", // truncated JSON
        };
        String[] reasons = {"wrong_width", "non_finite", "bad_label", "decode_error", "decode_error"};
        for (int i = 0; i < 25; i++) {
            if (i % 5 == 2) {
                bad.put((long) i, reasons[i / 5]);
                values.add(poison[i / 5].getBytes(StandardCharsets.UTF_8));
            } else {
                values.add(("{\"x\":[" + (i % 3) + ",0.5,-1,2,0," + i + "],\"y\":" + (i % 3) + "}")
                        .getBytes(StandardCharsets.UTF_8));
                good++;
            }
        }
        TestKafka.produce(bootstrap, "poison.in", values);
        ModelSpec spec = SpecParser.parse(spec("poison", "poison.in", 4, "{every_steps: 1, every_seconds: 0.2}"));
        Running r = run(spec);
        int expectedGood = good;
        TestKafka.await("all records consumed and committed", Duration.ofSeconds(60), () -> {
            ModelState s = r.runner().state();
            return s != null && s.examplesSeen() == expectedGood
                    && Map.of(0, new Position(25, 0)).equals(r.runner().snapshotPositions());
        });
        assertEquals(RunnerPhase.RUNNING, r.runner().phase(), "training goes on");
        double rejected = METRICS.find(MetricNames.RECORDS_REJECTED).tag("model", "poison").counters().stream()
                .mapToDouble(c -> c.count()).sum();
        assertEquals(5.0, rejected);
        assertEquals(2.0,
                METRICS.find(MetricNames.RECORDS_REJECTED).tags("model", "poison", "reason", "decode_error").counter().count());
        r.stop();

        List<ConsumerRecord<byte[], byte[]>> dlq = TestKafka.readCommitted(bootstrap, "poison.in.dlq");
        assertEquals(bad.size(), dlq.size(), "every bad record dead-lettered exactly once");
        for (ConsumerRecord<byte[], byte[]> d : dlq) {
            long offset = Long.parseLong(header(d, DeadLetterHeaders.OFFSET));
            assertEquals(bad.get(offset), header(d, DeadLetterHeaders.REASON), "reason of offset " + offset);
            assertEquals("poison.in", header(d, DeadLetterHeaders.TOPIC));
            assertEquals("0", header(d, DeadLetterHeaders.PARTITION));
            assertEquals("poison", header(d, DeadLetterHeaders.MODEL));
            assertNotNull(header(d, DeadLetterHeaders.MESSAGE));
            assertArrayEquals(values.get((int) offset), d.value(), "original value kept");
        }
        assertEquals(Set.copyOf(bad.keySet()),
                dlq.stream().map(d -> Long.parseLong(header(d, DeadLetterHeaders.OFFSET))).collect(Collectors.toSet()));
        assertEquals(25, TestKafka.committed(bootstrap, "streamfit.poison").get(new TopicPartition("poison.in", 0)).offset(),
                "the bad records' offsets are committed too");
    }

    /** Issue 19: a sequence model dead-letters the sequences that do not fit its spec, with their reasons, and trains the rest. */
    @Test
    void badSequenceRecordsGoToTheDeadLetterTopicWithTheirReasons() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "seqpoison.in", 1);
        Map<Long, String> bad = new HashMap<>();
        String[] poison = {
                "{\"x\":[[1,2],[3,4],[5,6],[7,8]],\"y\":1}", // 4 steps, the spec allows 1..3
                "{\"x\":[[1,2],[3,4,5]],\"y\":1}", // a step of 3 values, the spec has 2 features
                "{\"x\":[[1,2],[NaN,4]],\"y\":1}", // non-finite
                "{\"x\":[[1,2]],\"y\":3}", // label out of range
                "{\"x\":[1,2],\"y\":1}", // a row, not a sequence of steps
        };
        String[] reasons = {"wrong_width", "wrong_width", "non_finite", "bad_label", "wrong_width"};
        List<byte[]> values = new ArrayList<>();
        int good = 0;
        for (int i = 0; i < 25; i++) {
            if (i % 5 == 2) {
                bad.put((long) i, reasons[i / 5]);
                values.add(poison[i / 5].getBytes(StandardCharsets.UTF_8));
            } else {
                values.add(("{\"x\":[[" + i % 3 + ",0.5]" + ",[-1,2]".repeat(i % 3) + "],\"y\":" + i % 3 + "}")
                        .getBytes(StandardCharsets.UTF_8));
                good++;
            }
        }
        values.add(RecordDecoder.encodeBinary(1, 7, new float[7], new int[] {0}, null, 1)); // binary version 1: rows
        bad.put(25L, "decode_error");
        TestKafka.produce(bootstrap, "seqpoison.in", values);
        ModelSpec spec = SpecParser.parse(String.join("\n", "id: seqpoison", "topic: seqpoison.in",
                "sequence: {length: 3, min_length: 1, features: 2}", "task: {type: classification, classes: 3}",
                "layers: [{type: gru, hidden_size: 4}, {type: dense, units: 3}]", "optimizer: {type: adam, lr: 0.01}",
                "batch_size: 4", "seed: 5", "snapshot: {every_steps: 1, every_seconds: 0.2}"));
        Running r = run(spec);
        int expectedGood = good;
        TestKafka.await("all records consumed and committed", Duration.ofSeconds(60), () -> {
            ModelState s = r.runner().state();
            return s != null && s.examplesSeen() == expectedGood
                    && Map.of(0, new Position(26, 0)).equals(r.runner().snapshotPositions());
        });
        assertEquals(RunnerPhase.RUNNING, r.runner().phase(), "training goes on");
        r.stop();
        List<ConsumerRecord<byte[], byte[]>> dlq = TestKafka.readCommitted(bootstrap, "seqpoison.in.dlq");
        assertEquals(bad.size(), dlq.size(), "every bad record dead-lettered exactly once");
        for (ConsumerRecord<byte[], byte[]> d : dlq) {
            long offset = Long.parseLong(header(d, DeadLetterHeaders.OFFSET));
            assertEquals(bad.get(offset), header(d, DeadLetterHeaders.REASON), "reason of offset " + offset);
            assertNotNull(header(d, DeadLetterHeaders.MESSAGE));
            assertArrayEquals(values.get((int) offset), d.value(), "original value kept");
        }
    }

    @Test
    void aFailedCommitRollsBackAndTheLineageStaysExact() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "faulty.in", 1);
        TestKafka.produce(bootstrap, "faulty.in", records(80, 5));
        AtomicInteger commits = new AtomicInteger();
        KafkaClients faulty = FaultyProducer.clients(Map.of("bootstrap.servers", bootstrap), commits, List.of(3, 4));
        ModelSpec spec = SpecParser.parse(spec("faulty", "faulty.in", 8, "{every_steps: 5, every_seconds: 0}"));
        Running f = run(spec, faulty);
        TestKafka.await("faulty run to train all 400 examples", Duration.ofSeconds(60),
                () -> f.examples() >= 400);
        double rollbacks = METRICS.find(MetricNames.ROLLBACKS).tag("model", "faulty").counter().count();
        f.stop();
        assertEquals(2.0, rollbacks, "both injected failures were rolled back");
        assertTrue(f.runner().lastError().contains("injected failure"), f.runner().lastError());
        ModelState sf = f.runner().state();
        assertEquals(400, sf.examplesSeen(), "the rolled-back steps were retrained once, not skipped or doubled");

        assertEqualsUninterruptedRun(sf, "faulty.in", 400);
        List<Long> versions = assertVersionsContiguous("faulty");
        assertEquals(f.runner().version(), versions.get(versions.size() - 1));
    }

    /**
     * Commit #2 (the snapshot of step 10) is held on the commit thread until the model has
     * trained four more steps: training goes on while a snapshot commits, nothing of that
     * snapshot is booked before its commit (state and served snapshot stay at version 1), and
     * the lineage is exactly an uninterrupted run's.
     */
    @Test
    void trainingGoesOnWhileASnapshotCommits() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "async.in", 1);
        TestKafka.produce(bootstrap, "async.in", records(80, 5));
        Running[] running = new Running[1];
        long[] seen = {-1, -1, -1}; // steps trained while commit #2 was held, state version, served version
        KafkaClients held = FaultyProducer.clients(Map.of("bootstrap.servers", bootstrap), new AtomicInteger(), List.of(),
                FaultyProducer.Faults.beforeCommit(n -> {
                    if (n == 2) {
                        seen[0] = stepsWhileHeld(running[0].runner(), 14) - 10;
                        seen[1] = running[0].runner().version();
                        seen[2] = servedVersion(running[0].runner());
                    }
                }));
        ModelSpec spec = SpecParser.parse(spec("async", "async.in", 8, "{every_steps: 5, every_seconds: 0}"));
        running[0] = run(spec, held);
        Running a = running[0];
        TestKafka.await("all 400 examples trained", Duration.ofSeconds(60), () -> a.examples() >= 400);
        Timer commitTimer = METRICS.find(MetricNames.SNAPSHOT_COMMIT_DURATION).tag("model", "async").timer();
        a.stop();
        assertTrue(seen[0] >= 4, "steps trained while the snapshot of step 10 committed: " + seen[0]);
        assertEquals(1, seen[1], "the state is not marked published before its commit");
        assertEquals(1, seen[2], "the served snapshot is the last committed one until the commit");
        assertEquals(400, a.runner().state().examplesSeen());
        assertEqualsUninterruptedRun(a.runner().state(), "async.in", 400);
        List<Long> versions = assertVersionsContiguous("async");
        assertEquals(a.runner().version(), versions.get(versions.size() - 1));
        assertEquals(a.runner().version(), servedVersion(a.runner()));
        assertEquals(versions.size(), commitTimer.count(), "one commit duration per committed snapshot");
    }

    /**
     * Commit #3 (the snapshot of step 15) fails on the commit thread after the model trained on
     * to step 19: the training thread sees it at its next snapshot, rolls back to version 2,
     * seeks back and trains those steps again, once: the lineage is an uninterrupted run's.
     */
    @Test
    void aCommitThatFailsWhileTrainingGoesOnRollsBackTheStepsTrainedMeanwhile() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "asyncfail.in", 1);
        TestKafka.produce(bootstrap, "asyncfail.in", records(80, 5));
        Running[] running = new Running[1];
        long[] trained = {-1};
        KafkaClients faulty = FaultyProducer.clients(Map.of("bootstrap.servers", bootstrap), new AtomicInteger(), List.of(3),
                FaultyProducer.Faults.beforeCommit(n -> {
                    if (n == 3) {
                        trained[0] = stepsWhileHeld(running[0].runner(), 19);
                    }
                }));
        ModelSpec spec = SpecParser.parse(spec("asyncfail", "asyncfail.in", 8, "{every_steps: 5, every_seconds: 0}"));
        running[0] = run(spec, faulty);
        Running a = running[0];
        TestKafka.await("all 400 examples trained", Duration.ofSeconds(60), () -> a.examples() >= 400);
        double rollbacks = METRICS.find(MetricNames.ROLLBACKS).tag("model", "asyncfail").counter().count();
        a.stop();
        assertTrue(trained[0] >= 19, "the model trained on while the failing commit was in flight: step " + trained[0]);
        assertEquals(1.0, rollbacks, "the failed commit was rolled back once");
        assertTrue(a.runner().lastError().contains("injected failure of commit #3"), a.runner().lastError());
        assertEquals(400, a.runner().state().examplesSeen(), "the steps trained during the failed commit were retrained once");
        assertEqualsUninterruptedRun(a.runner().state(), "asyncfail.in", 400);
        assertVersionsContiguous("asyncfail");
    }

    /**
     * A rebalance while a snapshot commits: the commit is held on the commit thread until the
     * runner's rebalance listener starts revoking a partition, and 1 s more. The listener waits
     * for it before it lets the partition go (nothing changed since that snapshot, so it
     * publishes nothing itself); the commit succeeds (its offsets were added before the poll that
     * rebalanced, so they carry a valid generation); the member the partition goes to finds that
     * snapshot's offset, not the one before; the partition comes back and every example is
     * trained once, without a rollback.
     */
    @Test
    void aRebalanceWaitsForTheSnapshotCommitInFlight() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "rebal.in", 2);
        List<byte[]> data = records(44, 4); // 4 examples a record, batch 8
        TestKafka.produce(bootstrap, "rebal.in", data.subList(0, 40), 2);
        Running[] running = new Running[1];
        AtomicBoolean hold = new AtomicBoolean();
        AtomicBoolean holding = new AtomicBoolean();
        int[] assignedAtRelease = {-1};
        KafkaClients held = FaultyProducer.clients(Map.of("bootstrap.servers", bootstrap), new AtomicInteger(), List.of(),
                FaultyProducer.Faults.beforeCommit(n -> {
                    if (hold.compareAndSet(true, false)) {
                        holding.set(true);
                        waitOnCommitThread(Duration.ofSeconds(30), () -> running[0].runner().revocations() > 0);
                        long after = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                        waitOnCommitThread(Duration.ofSeconds(2), () -> System.nanoTime() >= after);
                        assignedAtRelease[0] = running[0].runner().assignedPartitions().size();
                    }
                }));
        ModelSpec spec = SpecParser.parse(spec("rebal", "rebal.in", 8, "{every_steps: 1000, every_seconds: 0.3}"));
        running[0] = run(spec, held);
        Running a = running[0];
        Map<Integer, Position> twenty = Map.of(0, new Position(20, 0), 1, new Position(20, 0));
        TestKafka.await("160 examples trained and committed", Duration.ofSeconds(60),
                () -> a.runner().state() != null && twenty.equals(a.runner().snapshotPositions()));
        hold.set(true);
        TestKafka.produce(bootstrap, "rebal.in", data.subList(40, 42), 2); // one more batch: a snapshot at offsets 21, held
        TestKafka.await("the snapshot of offsets 21 held on the commit thread", Duration.ofSeconds(30), holding::get);

        Map<TopicPartition, OffsetAndMetadata> seen = new ConcurrentHashMap<>();
        try (var newcomer = clients.trainingConsumer("streamfit.rebal", "newcomer")) {
            newcomer.subscribe(List.of("rebal.in"), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    newcomer.committed(Set.copyOf(partitions)).forEach((tp, om) -> seen.put(tp, om));
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                newcomer.poll(Duration.ofMillis(100));
            }
        }
        assertEquals(2, assignedAtRelease[0], "the revoking listener still held the partition while the commit was in flight");
        assertEquals(1, seen.size(), "the newcomer took one of the two partitions: " + seen);
        assertEquals(21, seen.values().iterator().next().offset(),
                "the revoking listener waited for the snapshot in flight: its offset, not the one before, is committed");

        TestKafka.produce(bootstrap, "rebal.in", data.subList(42, 44), 2);
        TestKafka.await("all 176 examples trained", Duration.ofSeconds(60), () -> a.examples() >= 176);
        double rollbacks = METRICS.find(MetricNames.ROLLBACKS).tag("model", "rebal").counter().count();
        a.stop();
        assertTrue(a.runner().revocations() > 0);
        assertEquals(0.0, rollbacks, "no commit failed");
        assertEquals(176, a.runner().state().examplesSeen(), "every example once, across the rebalances");
        assertVersionsContiguous("rebal");
    }

    /** On the commit thread: waits (at most 20 s) for the runner to reach {@code steps}; returns the steps reached. */
    private static long stepsWhileHeld(ModelRunner runner, long steps) {
        waitOnCommitThread(Duration.ofSeconds(20), () -> runner.state().steps() >= steps);
        return runner.state().steps();
    }

    /** Waits (at most {@code timeout}) for {@code condition} without failing: the caller, a commit hook, must let the commit go on. */
    private static void waitOnCommitThread(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The version of the snapshot the runner serves as its last committed one. */
    private static long servedVersion(ModelRunner runner) {
        try {
            return Long.parseLong(SnapshotCodec.metadata(runner.lastSnapshot()).get("version"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void deadLetteredRecordsAreNotRepeatedAfterARestart() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "redo.in", 1);
        String good = "{\"x\":[1,0,0,0,0,1],\"y\":1}";
        List<byte[]> first = List.of(good.getBytes(StandardCharsets.UTF_8), good.getBytes(StandardCharsets.UTF_8),
                good.getBytes(StandardCharsets.UTF_8), "{\"x\":[1],\"y\":1}".getBytes(StandardCharsets.UTF_8));
        TestKafka.produce(bootstrap, "redo.in", first);
        // batch 4: three good examples stay pending, so the snapshot's position is offset 0 and
        // the bad record at offset 3 will be read again after the restart
        ModelSpec spec = SpecParser.parse(spec("redo", "redo.in", 4, "{every_steps: 1, every_seconds: 0.2}"));
        Running a = run(spec);
        TestKafka.await("bad record dead-lettered and committed", Duration.ofSeconds(30),
                () -> TestKafka.readCommitted(bootstrap, "redo.in.dlq").size() == 1);
        a.stop();
        assertEquals(Map.of(0, new Position(0, 0)), a.runner().snapshotPositions());

        TestKafka.produce(bootstrap, "redo.in", List.of(good.getBytes(StandardCharsets.UTF_8)));
        Running b = run(spec);
        TestKafka.await("the batch completes after the restart", Duration.ofSeconds(30),
                () -> b.examples() == 4);
        b.stop();
        assertEquals(1, TestKafka.readCommitted(bootstrap, "redo.in.dlq").size(), "the bad record is dead-lettered once");
        assertEquals(1, b.runner().state().steps());
    }

    @Test
    void aSecondInstanceFencesTheFirstAndTheLineageStaysExact() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "zombie.in", 1);
        List<byte[]> data = records(80, 5);
        TestKafka.produce(bootstrap, "zombie.in", data.subList(0, 40));
        ModelSpec spec = SpecParser.parse(spec("zombie", "zombie.in", 8, "{every_steps: 2, every_seconds: 0.2}"));
        Running a = run(spec);
        TestKafka.await("first instance training", Duration.ofSeconds(60),
                () -> a.examples() >= 100);
        Running b = run(spec); // same model: same transactional id and group
        TestKafka.await("second instance restored", Duration.ofSeconds(60), () -> b.runner().restoredVersion() >= 0);
        TestKafka.produce(bootstrap, "zombie.in", data.subList(40, 80));
        // Usually the first instance is fenced at its next commit and the second takes over. When
        // the first one's commit races the second one's fencing, the broker may answer with an
        // unknown error; the first then re-opens its producer and whichever instance initialized
        // last is the only one that can commit (it restored after its initialization, so its state
        // is current). Either way exactly one lineage goes on, and it must be exact.
        TestKafka.await("one instance trains everything", Duration.ofSeconds(90),
                () -> a.examples() >= 400 || b.examples() >= 400);
        Running.stopTogether(a, b); // either may be the one still running, with its decode-zombie thread
        Running survivor = b.examples() >= 400 ? b : a;
        Running other = survivor == b ? a : b;
        assertTrue(other.examples() < 400, "only one instance trains the model");
        assertTrue(other.runner().phase() == RunnerPhase.FENCED || other.runner().phase() == RunnerPhase.STOPPED,
                "the other instance is fenced or stood idle: " + other.runner().phase());
        assertEquals(400, survivor.runner().state().examplesSeen(), "nothing trained twice or skipped in the surviving lineage");

        assertEqualsUninterruptedRun(survivor.runner().state(), "zombie.in", 400);
        assertVersionsContiguous("zombie");
    }

    @Test
    void anOversizedBadRecordIsDeadLetteredWithoutItsValue() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "huge.in", 1);
        byte[] huge = new byte[1_500_000];
        Arrays.fill(huge, (byte) 'z');
        TestKafka.produce(bootstrap, "huge.in", List.of(huge, "{\"x\":[1,0,0,0,0,1],\"y\":1}".getBytes(StandardCharsets.UTF_8)));
        ModelSpec spec = SpecParser.parse(spec("huge", "huge.in", 1, "{every_steps: 1, every_seconds: 0.2}"));
        Running r = run(spec);
        TestKafka.await("both records consumed and committed", Duration.ofSeconds(30),
                () -> r.runner().state() != null && Map.of(0, new Position(2, 0)).equals(r.runner().snapshotPositions()));
        r.stop();
        List<ConsumerRecord<byte[], byte[]>> dlq = TestKafka.readCommitted(bootstrap, "huge.in.dlq");
        assertEquals(1, dlq.size());
        assertEquals(null, dlq.get(0).value());
        assertEquals("1500000", header(dlq.get(0), DeadLetterHeaders.TRUNCATED));
        assertEquals("0", header(dlq.get(0), DeadLetterHeaders.OFFSET));
        assertEquals(RunnerPhase.STOPPED, r.runner().phase());
    }

    @Test
    void aPretrainedModelStartsFromAnotherModelsSnapshotAndKeepsFrozenLayers() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "donor.in", 1);
        TestKafka.produce(bootstrap, "donor.in", records(40, 5));
        Running donor = run(SpecParser.parse(spec("donor", "donor.in", 8, "{every_steps: 5, every_seconds: 0}")));
        TestKafka.await("donor to train", Duration.ofSeconds(60), () -> donor.examples() >= 200);
        donor.stop();
        ModelState published = SnapshotCodec.decode(store.newest("donor").get(0), donor.runner().state().spec());

        TestKafka.createTopic(bootstrap, "tuned.in", 1);
        TestKafka.produce(bootstrap, "tuned.in", records(30, 5));
        ModelSpec tunedSpec = SpecParser.parse(spec("tuned", "tuned.in", 8, "{every_steps: 5, every_seconds: 0}")
                + "pretrained: {model: donor}\nfreeze: [\"0\"]\n");
        Running tuned = run(tunedSpec);
        TestKafka.await("tuned model to train", Duration.ofSeconds(60), () -> tuned.examples() >= 144);
        tuned.stop();
        ModelState t = tuned.runner().state();
        Map<String, float[]> from = tensors(published);
        Map<String, float[]> now = tensors(t);
        assertArrayEquals(from.get("0.weight"), now.get("0.weight"), "frozen and pre-trained");
        assertArrayEquals(from.get("0.bias"), now.get("0.bias"), "frozen and pre-trained");
        assertTrue(!Arrays.equals(from.get("3.weight"), now.get("3.weight")), "the head went on training");
        // It started from the donor's weights, not from its own seed: a fresh model's first layer differs.
        assertTrue(!Arrays.equals(tensors(ModelState.fresh(tunedSpec)).get("0.weight"), now.get("0.weight")));

        ModelSpec orphan = SpecParser.parse(spec("orphan", "tuned.in", 8, "{every_steps: 5, every_seconds: 0}")
                + "pretrained: {model: nobody}\n");
        Running o = run(orphan);
        o.thread().join(60_000);
        o.meters().close();
        assertEquals(RunnerPhase.FAILED, o.runner().phase());
        assertTrue(o.runner().lastError().contains("pretrained.model nobody has no usable snapshot on topic streamfit.snapshots"),
                o.runner().lastError());
    }

    /**
     * Early stopping through the broker: the best snapshot is committed under its own key with
     * the lineage, updates pause and resume on request, and a restarted instance continues the
     * paused state and serves the same best snapshot. The whole run equals the same batches fed
     * to a model in memory, bitwise.
     */
    @Test
    void earlyStoppingTagsTheBestSnapshotPausesAndResumes() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "early.in", 1);
        List<byte[]> data = records(56, 8);
        TestKafka.produce(bootstrap, "early.in", data.subList(0, 40));
        // Held out: every 4th batch; a check per 2 of them (every 8 batches). min_delta 10 makes
        // only the first check an improvement, and patience 1 pauses at the second.
        ModelSpec spec = SpecParser.parse(spec("early", "early.in", 8, "{every_steps: 5, every_seconds: 0}")
                + "early_stopping: {holdout_every: 4, check_batches: 2, patience: 1, min_delta: 10}\n");
        Running a = run(spec);
        TestKafka.await("40 batches scored", Duration.ofSeconds(60),
                () -> a.runner().state() != null && a.runner().state().earlyStopping().heldOutExamples() >= 80);
        ModelState s = a.runner().state();
        assertTrue(s.earlyStopping().paused());
        assertEquals(12, s.steps(), "trained on batches 1-16 except the held-out 4, 8, 12, 16; paused after");
        assertEquals((12 + 18) * 8, s.examplesSeen(), "paused batches are scored, not trained");
        byte[] best = a.runner().bestSnapshot();
        assertNotNull(best);
        Map<String, String> bestMeta = SnapshotCodec.metadata(best);
        assertEquals("6", bestMeta.get("optimizer_steps"), "the best model is the one validated at batch 8 (6 steps)");
        assertEquals(s.earlyStopping().taggedLoss(), Double.parseDouble(bestMeta.get("best_validation_loss")));
        assertEquals(Long.parseLong(bestMeta.get("version")), a.runner().bestVersion());
        // every_steps counts batches that train nothing too, so a paused model keeps committing
        // its way through the stream: within 5 batches of the end (counting only steps, the last
        // snapshot would be at batch 14, when the 10th step was taken). The last one is booked
        // once its commit, on the commit thread, ended.
        TestKafka.await("snapshot positions while paused within 5 batches of the end", Duration.ofSeconds(30),
                () -> a.runner().snapshotPositions().get(0).offset() >= 35);

        assertTrue(a.runner().requestResume());
        TestKafka.produce(bootstrap, "early.in", data.subList(40, 56));
        TestKafka.await("16 more batches", Duration.ofSeconds(60), () -> s.earlyStopping().heldOutExamples() >= 112);
        assertEquals(18, s.steps(), "resumed for batches 41-47 (one held out), paused again at the check of batch 48");
        assertTrue(s.earlyStopping().paused());
        a.stop();

        List<ConsumerRecord<byte[], byte[]>> tagged = TestKafka.readCommitted(bootstrap, "streamfit.snapshots").stream()
                .filter(r -> "early/best".equals(new String(r.key(), StandardCharsets.UTF_8))).toList();
        assertEquals(1, tagged.size(), "one best snapshot (only the first check improved)");
        assertEquals("best", header(tagged.get(0), SnapshotStore.TAG_HEADER));
        assertArrayEquals(best, tagged.get(0).value());
        assertTrue(versions("early").contains(a.runner().bestVersion()), "the best snapshot is a version of the lineage");
        assertVersionsContiguous("early");

        Running b = run(spec);
        TestKafka.await("restart", Duration.ofSeconds(60), () -> b.runner().ready());
        assertEquals(a.runner().bestVersion(), b.runner().bestVersion());
        assertArrayEquals(best, b.runner().bestSnapshot(), "the best snapshot is served after a restart");
        assertTrue(b.runner().state().earlyStopping().paused(), "still paused after the restart");
        assertEquals(s.earlyStopping().state(), b.runner().state().earlyStopping().state());
        b.stop();

        // The same 56 batches in memory, resumed at the same point: bitwise the same model.
        ModelState ref = ModelState.fresh(spec);
        RecordDecoder decoder = new RecordDecoder(spec);
        for (int i = 0; i < 56; i++) {
            if (i == 40) {
                assertTrue(ref.earlyStopping().resume());
            }
            Examples ex = decoder.decode(data.get(i));
            ref.train(new Batch(8, 6, ex.x(), 1, ex.y()));
        }
        assertEquals(ref.network().params(), s.network().params());
        assertEquals(ref.earlyStopping().state(), s.earlyStopping().state());
    }

    /**
     * A model given up (its ownership was lost) while a commit fails and the abort fails too:
     * normally the outcome is unknown and a new producer is initialized, but for an abandoned
     * model that would fence the instance that owns it now. It must stop without initializing
     * its producer again, and nothing after the failed commit may be committed.
     */
    @Test
    void anAbandonedModelNeverInitializesItsProducerAgain() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "abandon.in", 1);
        TestKafka.produce(bootstrap, "abandon.in", records(10, 8));
        ModelSpec spec = SpecParser.parse(spec("abandon", "abandon.in", 8, "{every_steps: 1, every_seconds: 0}"));
        AtomicInteger inits = new AtomicInteger();
        Running[] running = new Running[1];
        KafkaClients faulty = FaultyProducer.clients(Map.of("bootstrap.servers", bootstrap), new AtomicInteger(), List.of(3),
                new FaultyProducer.Faults(() -> running[0].runner().abandon(), true, inits));
        running[0] = run(spec, faulty);
        running[0].thread().join(60_000);
        assertTrue(!running[0].thread().isAlive(), "the abandoned runner ended");
        running[0].meters().close();
        assertEquals(RunnerPhase.STOPPED, running[0].runner().phase(), String.valueOf(running[0].runner().lastError()));
        assertEquals(1, inits.get(), "initTransactions only at the start, never after being abandoned");
        List<String> versions = TestKafka.readCommitted(bootstrap, "streamfit.snapshots").stream()
                .filter(r -> "abandon".equals(new String(r.key(), StandardCharsets.UTF_8)))
                .map(r -> new String(r.headers().lastHeader(SnapshotStore.VERSION_HEADER).value(), StandardCharsets.UTF_8))
                .toList();
        assertEquals(List.of("1", "2"), versions, "the two commits before the failure, nothing after");
    }

    /**
     * 300 records, a third of them random bytes or valid records with random byte edits, through
     * the broker: the loop never stops, every record the decoder rejects is dead-lettered once
     * with its reason, and every example of every good record is trained (none lost, none twice).
     */
    @Test
    void fuzzedRecordsThroughTheBrokerAreContained() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "fuzz.in", 1);
        ModelSpec spec = SpecParser.parse(spec("fuzz", "fuzz.in", 4, "{every_steps: 10, every_seconds: 0.2}"));
        RecordDecoder oracle = new RecordDecoder(spec);
        SplitMix64 rng = new SplitMix64(99);
        List<byte[]> good = records(300, 2);
        List<byte[]> values = new ArrayList<>();
        Map<Long, String> rejected = new HashMap<>();
        long goodExamples = 0;
        for (int i = 0; i < 300; i++) {
            byte[] v = good.get(i);
            if (rng.nextDouble() < 1.0 / 3) {
                v = rng.nextDouble() < 0.3 ? randomBytes(rng, (int) (rng.nextDouble() * 200))
                        : mutate(rng,
                                rng.nextDouble() < 0.5 ? v
                                        : ("{\"x\":[[1,2,3,4,5,6],[0.5,0,0,0,0,1]],\"y\":[2,0]}")
                                                .getBytes(StandardCharsets.UTF_8));
            }
            values.add(v);
            try {
                goodExamples += oracle.decode(v).count();
            } catch (RejectedRecordException e) {
                rejected.put((long) i, e.reason().label());
            }
        }
        assertTrue(rejected.size() > 50, "the mutations produced bad records: " + rejected.size());
        TestKafka.produce(bootstrap, "fuzz.in", values);
        Running r = run(spec);
        long trainable = goodExamples - goodExamples % 4;
        TestKafka.await("every good example trained", Duration.ofSeconds(60),
                () -> r.runner().state() != null && r.runner().state().examplesSeen() == trainable);
        // Bad records after the last full batch are dead-lettered by the next timed snapshot.
        TestKafka.await("every bad record dead-lettered", Duration.ofSeconds(30), Duration.ofMillis(500),
                () -> TestKafka.readCommitted(bootstrap, "fuzz.in.dlq").size() >= rejected.size());
        assertEquals(RunnerPhase.RUNNING, r.runner().phase());
        r.stop();
        List<ConsumerRecord<byte[], byte[]>> dlq = TestKafka.readCommitted(bootstrap, "fuzz.in.dlq");
        assertEquals(rejected.size(), dlq.size(), "every bad record dead-lettered exactly once");
        for (ConsumerRecord<byte[], byte[]> d : dlq) {
            long offset = Long.parseLong(header(d, DeadLetterHeaders.OFFSET));
            assertEquals(rejected.get(offset), header(d, DeadLetterHeaders.REASON), "offset " + offset);
        }
        assertEquals(trainable, r.runner().state().examplesSeen(), "no good example lost or trained twice");
    }

    private static byte[] randomBytes(SplitMix64 rng, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rng.nextLong();
        }
        return b;
    }

    /** 1-4 random byte replacements, insertions or deletions. */
    private static byte[] mutate(SplitMix64 rng, byte[] valid) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] v = valid;
        int edits = 1 + (int) (4 * rng.nextDouble());
        for (int e = 0; e < edits; e++) {
            int at = (int) (rng.nextDouble() * v.length);
            double kind = rng.nextDouble();
            out.reset();
            out.write(v, 0, at);
            if (kind < 0.4) {
                out.write((byte) rng.nextLong());
                out.write(v, Math.min(at + 1, v.length), v.length - Math.min(at + 1, v.length));
            } else if (kind < 0.7) {
                out.write((byte) rng.nextLong());
                out.write(v, at, v.length - at);
            } else {
                out.write(v, Math.min(at + 1, v.length), v.length - Math.min(at + 1, v.length));
            }
            v = out.toByteArray();
        }
        return v;
    }

    /**
     * One poll of 10 records of 6,000 examples (7,500 steps of a 1,024-unit layer) takes seconds
     * to train, far past a max.poll.interval.ms of 1.5 s: keep-alive polls hold the group
     * membership (no rebalance, no rollback), nothing is fetched ahead, and every example is
     * trained exactly once. (With 2,000 examples a record and 256 units, the fused dense path
     * trained a poll in under the 0.5 s after which a keep-alive poll is due, on a quiet machine.)
     */
    @Test
    void aLongPollIsTrainedWithoutLosingTheGroup() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "slow.in", 1);
        TestKafka.produce(bootstrap, "slow.in", records(10, 6000));
        KafkaClients strict = new KafkaClients(Map.of("bootstrap.servers", bootstrap, "max.poll.interval.ms", "1500"));
        ModelSpec spec = SpecParser.parse(spec("slow", "slow.in", 8, "{every_steps: 100000, every_seconds: 0}")
                .replace("units: 16", "units: 1024"));
        Running r = run(spec, strict);
        TestKafka.await("60,000 examples trained", Duration.ofSeconds(120),
                () -> r.runner().state() != null && r.runner().state().examplesSeen() >= 60_000);
        long started = System.nanoTime();
        assertTrue(r.runner().keepAlives() > 0, "the poll outlasted a third of max.poll.interval.ms");
        assertEquals(0, r.runner().revocations(), "the group never took the partition away");
        assertEquals(0.0, METRICS.find(MetricNames.ROLLBACKS).tag("model", "slow").counter().count());
        r.stop();
        assertEquals(60_000, r.runner().state().examplesSeen(), "every example once");
        assertEqualsInMemory(r.runner().state(), spec, records(10, 6000));
        System.out.printf("keep-alive polls: %d (%.1f s after the last step)%n", r.runner().keepAlives(),
                (System.nanoTime() - started) / 1e9);
    }

    /** The same records through a model in memory: bitwise the same state. */
    private static void assertEqualsInMemory(ModelState actual, ModelSpec spec, List<byte[]> values) throws Exception {
        ModelState ref = ReferenceRun.over(spec, values);
        assertEquals(ref.steps(), actual.steps());
        assertEquals(ref.network().params(), actual.network().params(), "bitwise the in-memory run");
    }

    /** Regression records y = sum(x) + N(0, 0.01) of {@code perRecord} examples, features scaled by {@code scale}. */
    static List<byte[]> regression(int records, int perRecord, float scale, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            float[] x = new float[perRecord * 6];
            float[] y = new float[perRecord];
            for (int e = 0; e < perRecord; e++) {
                y[e] = (float) (0.1 * rng.nextGaussian()); // noise: an exact fit would leave nothing to amplify
                for (int j = 0; j < 6; j++) {
                    x[e * 6 + j] = (float) (scale * rng.nextGaussian());
                    y[e] += x[e * 6 + j];
                }
            }
            out.add(RecordDecoder.encodeBinary(perRecord, 6, x, null, y, 1));
        }
        return out;
    }

    static ModelSpec regressionSpec(String id, String topic, double lr, String divergence) {
        return SpecParser.parse("""
                id: %s
                topic: %s
                input_width: 6
                task: {type: regression, outputs: 1}
                layers: [{type: dense, units: 1}]
                optimizer: {type: sgd, lr: %s}
                batch_size: 8
                seed: 2
                snapshot: {every_steps: 20, every_seconds: 0}
                divergence: %s
                """.formatted(id, topic, lr, divergence));
    }

    /**
     * Plain SGD at lr 0.2 on least squares is stable for inputs of scale 1; when the stream's
     * inputs grow to scale 30 (at step 100, where a snapshot falls) the same rate multiplies the
     * error by about 360 a step, and the loss overflows float32 within about ten steps. The guard
     * rolls back to that snapshot with a thousandth of the rate, the same records are trained
     * again, and the model stays on y = sum(x). No snapshot ever holds a non-finite parameter.
     * (A snapshot taken while the error was already exploding would be finite and still be
     * "good" to the guard, which only sees non-finite steps; hence a cadence longer than the
     * explosion here.)
     */
    @Test
    void aDivergingModelRollsBackWithALowerLearningRateAndRecovers() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "diverge.in", 1);
        List<byte[]> data = new ArrayList<>(regression(100, 8, 1, 4));
        data.addAll(regression(50, 8, 30, 7));
        TestKafka.produce(bootstrap, "diverge.in", data);
        ModelSpec spec = regressionSpec("diverge", "diverge.in", 0.2, "{max_bad_steps: 3, lr_factor: 0.001, max_rollbacks: 2}");
        Running r = run(spec);
        TestKafka.await("all 150 batches trained after the rollback", Duration.ofSeconds(60),
                () -> r.runner().state() != null && r.runner().state().divergenceRollbacks() >= 1
                        && r.runner().snapshotPositions().getOrDefault(0, new Position(0, 0)).offset() >= 140);
        assertEquals(1.0, METRICS.find(MetricNames.DIVERGENCE_ROLLBACKS).tag("model", "diverge").counter().count());
        assertEquals(0.001, METRICS.find(MetricNames.LEARNING_RATE_SCALE).tag("model", "diverge").gauge().value());
        r.stop();
        ModelState s = r.runner().state();
        assertEquals(RunnerPhase.STOPPED, r.runner().phase());
        assertEquals(1, s.divergenceRollbacks());
        assertEquals(0.001, s.lrScale(), 1e-15);
        assertEquals(0.0002, s.currentLr(), 1e-12);
        assertEquals(0, s.rollbacksInARow(), "trained past the point of divergence");
        float[] w = s.network().params().toFloatVector(); // 6 weights, then the bias
        for (int j = 0; j < 6; j++) {
            assertEquals(1, w[j], 0.01, "converged to y = sum(x) after the rollback: " + Arrays.toString(w));
        }
        for (ConsumerRecord<byte[], byte[]> rec : TestKafka.readCommitted(bootstrap, "streamfit.snapshots")) {
            if ("diverge".equals(new String(rec.key(), StandardCharsets.UTF_8))) {
                SnapshotCodec.Decoded snap = SnapshotCodec.decodeWithLineage(rec.value(), spec);
                for (float v : snap.state().network().params().toFloatVector()) {
                    assertTrue(Float.isFinite(v), "a snapshot with a non-finite parameter: version " + snap.lineage().version());
                }
            }
        }
        assertVersionsContiguous("diverge");
    }

    /** Inputs of 1e30 overflow whatever the rate: after the allowed rollbacks the model stops and says why. */
    @Test
    void aModelThatKeepsDivergingStopsWithTheReason() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "hopeless.in", 1);
        List<byte[]> data = new ArrayList<>(regression(20, 8, 1, 5));
        data.addAll(regression(10, 8, 1e30f, 6));
        TestKafka.produce(bootstrap, "hopeless.in", data);
        ModelSpec spec = regressionSpec("hopeless", "hopeless.in", 0.01, "{max_bad_steps: 2, lr_factor: 0.5, max_rollbacks: 2}");
        Running r = run(spec);
        r.thread().join(60_000);
        r.meters().close();
        assertEquals(RunnerPhase.DIVERGED, r.runner().phase());
        assertTrue(
                r.runner().lastError()
                        .startsWith("training diverged (2 steps in a row with a non-finite loss or gradient) 3 times"),
                r.runner().lastError());
        ModelState s = r.runner().state();
        assertEquals(0.25, s.lrScale(), "halved twice before giving up");
        assertEquals(20, s.steps(), "serving the last good snapshot: the 20 good batches");
        assertEquals(20, SnapshotCodec.decode(store.newest("hopeless").get(0), spec).steps(),
                "nothing after the last good snapshot was published");
    }

    /**
     * Any Throwable while a model restores (here an OutOfMemoryError, as reading /dev/zero gave)
     * ends in the FAILED phase with the reason in the status and the streamfit_model_failed
     * gauge; before, the thread died and the model said "restoring" for ever.
     */
    @Test
    void aModelWhoseRestoreThrowsAnErrorEndsFailedWithTheReason() throws Exception {
        KafkaClients broken = new KafkaClients(Map.of("bootstrap.servers", kafka.bootstrapServers())) {
            @Override
            public Producer<byte[], byte[]> transactionalProducer(String id, int maxRequestBytes) {
                throw new OutOfMemoryError("Java heap space (injected)");
            }
        };
        Running r = run(SpecParser.parse(spec("oom", "oom.in", 8, "{every_steps: 5, every_seconds: 0}")), broken);
        r.thread().join(30_000);
        assertEquals(RunnerPhase.FAILED, r.runner().phase());
        assertTrue(r.runner().terminated(), "settled: readiness and the startup probe do not wait for it");
        assertEquals("java.lang.OutOfMemoryError: Java heap space (injected)", r.runner().lastError());
        assertEquals(1.0, METRICS.get(MetricNames.MODEL_FAILED).tag("model", "oom").gauge().value());
        r.meters().close();
    }

    /**
     * A pretrained.file the configuration does not allow, or a file that is not a snapshot,
     * fails the model with a reason that names no byte of the file (before: /etc/passwd was
     * read whole and its first 8 bytes came back as a number).
     */
    @Test
    void aRefusedPretrainedFileFailsTheModelWithoutTellingItsContent() throws Exception {
        ModelSpec anyPath = SpecParser.parse(spec("nodir", "nodir.in", 8, "{every_steps: 5, every_seconds: 0}")
                + "pretrained: {file: /etc/passwd}\n");
        Running a = run(anyPath);
        a.thread().join(60_000);
        a.meters().close();
        assertEquals(RunnerPhase.FAILED, a.runner().phase());
        assertEquals("pretrained.file /etc/passwd is refused: no directory for pre-trained files is configured "
                + "(streamfit.pretrained.dir)", a.runner().lastError());

        Path dir = Files.createTempDirectory("pretrained");
        byte[] secret = "root:x:0:0:root:/root:/bin/bash\n".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("passwd"), secret);
        ModelSpec notASnapshot = SpecParser.parse(spec("passwd", "passwd.in", 8, "{every_steps: 5, every_seconds: 0}")
                + "pretrained: {file: passwd}\n");
        ModelMeters meters = new ModelMeters(METRICS, notASnapshot.id());
        ModelRunner r = new ModelRunner(notASnapshot, clients, store, meters, new RunnerSettings("streamfit.",
                Duration.ofMillis(100), Duration.ofSeconds(60), Duration.ofSeconds(5),
                new PretrainedFiles(Optional.of(dir), false, 1 << 20)));
        Thread t = new Thread(r);
        t.start();
        t.join(60_000);
        meters.close();
        assertEquals(RunnerPhase.FAILED, r.phase());
        assertEquals("pretrained: the header length in the first 8 bytes does not fit a file of " + secret.length
                + " bytes: not a safetensors file, or a truncated one", r.lastError());
        long first8 = ByteBuffer.wrap(secret).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue(!r.lastError().contains(Long.toString(first8)) && !r.lastError().contains("root"), r.lastError());
    }

    private static Map<String, float[]> tensors(ModelState s) {
        Map<String, float[]> out = new HashMap<>();
        s.network().tensors().forEach(t -> out.put(t.name(), t.value().dup().data().asFloat()));
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
