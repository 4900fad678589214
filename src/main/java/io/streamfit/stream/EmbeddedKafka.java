package io.streamfit.stream;

import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real Apache Kafka broker (KRaft, combined broker and controller, one node) running in this
 * JVM, with replication factors of 1 so transactions work on a single node. Used when no
 * {@code kafka.bootstrap.servers} is configured, and by the tests.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start(Path dataDir) throws Exception {
        return start(dataDir, Map.of("message.max.bytes", "104857600"));
    }

    /** @param brokerConfig extra broker settings (tests use it to run with Kafka's default limits) */
    public static EmbeddedKafka start(Path dataDir, Map<String, String> brokerConfig) throws Exception {
        TestKitNodes.Builder nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1);
        if (dataDir != null) {
            // A kept data directory must be reopened by a cluster of the same id.
            java.util.UUID id = java.util.UUID.nameUUIDFromBytes(dataDir.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            nodes.setBaseDirectory(dataDir).setClusterId(new org.apache.kafka.common.Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits()).toString());
        }
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build());
        brokerConfig.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setDeleteOnClose(dataDir == null)
                .build();
        boolean formatted = dataDir != null && java.nio.file.Files.exists(dataDir.resolve("combined_0_0").resolve("meta.properties"));
        if (!formatted) {
            cluster.format();
        }
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new EmbeddedKafka(cluster);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
