package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamfit.data.RecordDecoder;
import io.streamfit.metrics.ModelMeters;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Snapshots far above Kafka's default 1 MB message limit go through a broker that keeps that
 * default, because streamfit creates the snapshot topic with its own {@code max.message.bytes}.
 */
class LargeSnapshotTest {

    @Test
    void aThreeMegabyteSnapshotPassesABrokerWithDefaultLimits() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, Map.of("message.max.bytes", "1048588"))) {
            KafkaClients clients = new KafkaClients(Map.of("bootstrap.servers", kafka.bootstrapServers()));
            SnapshotStore store = new SnapshotStore(clients, "streamfit.snapshots", 64 << 20, Optional.empty());
            store.ensureTopic();
            TestKafka.createTopic(kafka.bootstrapServers(), "big.in", 1);
            ModelSpec spec = SpecParser
                    .parse("""
                            id: big
                            topic: big.in
                            input_width: 784
                            task: {type: classification, classes: 10}
                            layers: [{type: dense, units: 256}, {type: relu}, {type: dense, units: 256}, {type: relu}, {type: dense, units: 10}]
                            optimizer: {type: adam}
                            batch_size: 4
                            snapshot: {every_steps: 2, every_seconds: 0}
                            """);
            List<byte[]> records = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                records.add(RecordDecoder.encodeBinary(4, 784, new float[4 * 784], new int[] {1, 2, 3, 4}, null, 1));
            }
            TestKafka.produce(kafka.bootstrapServers(), "big.in", records);
            ModelMeters meters = new ModelMeters(new SimpleMeterRegistry(), "big");
            ModelRunner r = new ModelRunner(spec, clients, store, meters,
                    new RunnerSettings("streamfit.", Duration.ofMillis(100), Duration.ofSeconds(60), Duration.ofSeconds(5)));
            Thread t = new Thread(r);
            t.start();
            TestKafka.await("two snapshots", Duration.ofSeconds(60), () -> r.state() != null && r.version() == 2);
            r.stop();
            t.join(30_000);
            List<ConsumerRecord<byte[], byte[]>> snaps = TestKafka.readCommitted(kafka.bootstrapServers(), "streamfit.snapshots");
            assertEquals(2, snaps.size());
            assertTrue(snaps.get(1).value().length > 3_000_000, "snapshot of " + snaps.get(1).value().length + " bytes");
            ModelState restored = SnapshotCodec.decode(snaps.get(1).value(), spec);
            assertEquals(4, restored.steps());
            assertEquals(r.state().network().params(), restored.network().params());
        }
    }
}
