package io.streamfit.stream;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real Apache Kafka broker (KRaft, combined broker and controller, one node) running in this
 * JVM, with replication factors of 1 so transactions work on a single node. Used when no
 * {@code kafka.bootstrap.servers} is configured, and by the tests.
 *
 * <p>It has no authentication, so both its listeners (broker and controller) bind to one address,
 * loopback unless told otherwise ({@link BrokerBinding}): the test kit alone would bind every
 * interface.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private final String host;

    private EmbeddedKafka(KafkaClusterTestKit cluster, String host) {
        this.cluster = cluster;
        this.host = host;
    }

    public static EmbeddedKafka start(Path dataDir) throws Exception {
        return start(dataDir, BrokerBinding.LOOPBACK);
    }

    /** @param host the address both listeners bind to ({@code 0.0.0.0}: every interface) */
    public static EmbeddedKafka start(Path dataDir, String host) throws Exception {
        return start(dataDir, Map.of("message.max.bytes", "104857600"), host);
    }

    /** @param brokerConfig extra broker settings (tests use it to run with Kafka's default limits) */
    public static EmbeddedKafka start(Path dataDir, Map<String, String> brokerConfig) throws Exception {
        return start(dataDir, brokerConfig, BrokerBinding.LOOPBACK);
    }

    private static EmbeddedKafka start(Path dataDir, Map<String, String> brokerConfig, String host) throws Exception {
        TestKitNodes.Builder nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1);
        if (dataDir != null) {
            // A kept data directory must be reopened by a cluster of the same id.
            UUID id = UUID.nameUUIDFromBytes(dataDir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
            nodes.setBaseDirectory(dataDir)
                    .setClusterId(new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits()).toString());
        }
        TestKitNodes built = nodes.build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(built);
        brokerConfig.forEach(builder::setConfigProp);
        BrokerBinding.bind(builder, built, host);
        KafkaClusterTestKit cluster = builder
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setDeleteOnClose(dataDir == null)
                .build();
        boolean formatted = dataDir != null && Files.exists(dataDir.resolve("combined_0_0").resolve("meta.properties"));
        if (!formatted) {
            cluster.format();
        }
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new EmbeddedKafka(cluster, host);
    }

    /** The broker's address: the bound host (the kit itself always says {@code localhost}). */
    public String bootstrapServers() {
        return BrokerBinding.bootstrap(cluster.bootstrapServers(), host);
    }

    /** Every port the broker listens on: the client listener and the controller's. */
    public List<Integer> listenerPorts() {
        List<Integer> ports = new ArrayList<>();
        cluster.brokers().values().forEach(b -> ports.add(b.boundPort(cluster.nodes().brokerListenerName())));
        cluster.controllers().values()
                .forEach(c -> ports.add(c.socketServer().boundPort(cluster.nodes().controllerListenerName())));
        return ports;
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
