package io.streamfit.stream;

import io.streamfit.train.NativeThreads;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * A test class with a real Kafka broker of its own, in the JVM ({@link EmbeddedKafka}), started
 * before its tests and closed after them, with clients on it and the snapshot store (topic
 * {@code streamfit.snapshots}, 16 MiB snapshots).
 */
abstract class BrokerTest {
    static EmbeddedKafka kafka;
    static KafkaClients clients;
    static SnapshotStore store;

    @BeforeAll
    static void startBroker() throws Exception {
        NativeThreads.configure(1);
        kafka = EmbeddedKafka.start(null);
        clients = new KafkaClients(Map.of("bootstrap.servers", kafka.bootstrapServers()));
        store = new SnapshotStore(clients, "streamfit.snapshots", 16 << 20, Optional.empty());
        store.ensureTopic();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        kafka.close();
    }
}
