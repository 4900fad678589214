package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamfit.metrics.MetricNames;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Drift detection in the service, against a real in-JVM broker: the alarm is counted, its actions
 * are part of the model every snapshot holds (the service's model equals the same records in
 * memory, bitwise), and the last snapshot committed before the alarm is tagged
 * {@code <id>/pre-drift} in the transaction of the next one and served after a restart.
 */
class DriftKafkaTest extends BrokerTest {
    /** Records of 3 examples: the labels are permuted from record {@link #BEFORE} on. */
    private static final int BEFORE = 150;
    private static final int AFTER = 60;
    private static final int BATCH = 8;
    private static final SimpleMeterRegistry METRICS = new SimpleMeterRegistry();

    @Test
    void anAlarmActsOnTheModelExactlyOnceAndTagsThePreDriftSnapshot() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        TestKafka.createTopic(bootstrap, "drift.in", 1);
        List<byte[]> data = ReferenceRun.driftingRecords(BEFORE + AFTER, 11, BEFORE);
        TestKafka.produce(bootstrap, "drift.in", data);
        ModelSpec spec = SpecParser.parse(ReferenceRun.spec("drift", BATCH, 5).replace("every_steps: 1, every_seconds: 0.5",
                "every_steps: 5, every_seconds: 0").replace("drift.examples", "drift.in") + """
                        drift:
                          detector: {type: page_hinkley, threshold: 3}
                          reset_moments: true
                          restart_schedule: true
                          boost_lr: {factor: 3, steps: 20}
                          tag_pre_drift: true
                        """);
        ModelState reference = ReferenceRun.over(spec, data);
        assertEquals(1, reference.drift().alarms(), "the label permutation raises one alarm in memory");
        long alarmAt = reference.drift().lastAlarmExamples();
        assertTrue(alarmAt > BEFORE * 3 && alarmAt <= BEFORE * 3 + 10 * BATCH,
                "alarm within 10 batches of the change: " + alarmAt);

        ModelRunnerKafkaTest.Running a = ModelRunnerKafkaTest.Running.start(spec, clients, store, METRICS);
        long all = (BEFORE + AFTER) * 3L / BATCH * BATCH; // an incomplete last batch waits for more
        TestKafka.await("every record trained", Duration.ofSeconds(90), () -> a.examples() == all);
        assertEquals(1.0,
                METRICS.find(MetricNames.DRIFT_ALARMS).tags("model", "drift", "detector", "page_hinkley", "signal", "loss")
                        .counter().count());
        assertTrue(METRICS.find(MetricNames.DRIFT_LAST_ALARM).tag("model", "drift").gauge().value() > 1.7e9,
                "the last alarm's time, in seconds since the epoch");
        ModelState trained = a.runner().state();
        assertEquals(reference.drift().state(), trained.drift().state());
        assertArrayEquals(reference.network().params().toFloatVector(), trained.network().params().toFloatVector(),
                "the alarm's actions taken exactly as in memory");
        TestKafka.await("the last snapshot committed", Duration.ofSeconds(30),
                () -> a.runner().snapshotPositions().get(0).offset() >= BEFORE + AFTER - 15);
        a.stop();

        // The tag: the last version committed before the alarm, in the transaction of the next.
        List<byte[]> lineage = CommittedLineage.committed(bootstrap, "drift");
        List<ConsumerRecord<byte[], byte[]>> tagged = TestKafka.readCommitted(bootstrap, "streamfit.snapshots").stream()
                .filter(r -> "drift/pre-drift".equals(new String(r.key(), StandardCharsets.UTF_8))).toList();
        assertEquals(1, tagged.size(), "one alarm, one pre-drift snapshot");
        ConsumerRecord<byte[], byte[]> t = tagged.get(0);
        assertEquals("pre-drift", new String(t.headers().lastHeader(SnapshotStore.TAG_HEADER).value(), StandardCharsets.UTF_8));
        int v = Integer
                .parseInt(new String(t.headers().lastHeader(SnapshotStore.VERSION_HEADER).value(), StandardCharsets.UTF_8));
        assertArrayEquals(lineage.get(v - 1), t.value(), "the tagged bytes are committed version " + v);
        long examplesAtV = Long.parseLong(SnapshotCodec.metadata(lineage.get(v - 1)).get("examples_seen"));
        long examplesAfter = Long.parseLong(SnapshotCodec.metadata(lineage.get(v)).get("examples_seen"));
        assertTrue(examplesAtV < alarmAt && examplesAfter >= alarmAt,
                "version " + v + " (" + examplesAtV + " examples) is the last before the alarm at " + alarmAt
                        + ", the next has " + examplesAfter);
        assertTrue(SnapshotCodec.metadata(lineage.get(v)).containsKey("drift"), "snapshots carry the detector's state");
        assertArrayEquals(t.value(), a.runner().preDriftSnapshot(), "served as tagged");

        // A restarted instance serves it from the topic.
        ModelRunnerKafkaTest.Running b = ModelRunnerKafkaTest.Running.start(spec, clients, store, METRICS);
        TestKafka.await("restart", Duration.ofSeconds(60), () -> b.runner().ready());
        byte[] served = b.runner().preDriftSnapshot();
        assertNotNull(served);
        assertArrayEquals(t.value(), served);
        b.stop();
    }
}
