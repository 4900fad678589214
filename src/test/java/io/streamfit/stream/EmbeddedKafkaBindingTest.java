package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.config.StreamfitConfig;
import io.streamfit.demo.DemoStream;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 9: the embedded broker has no authentication, so it must not be reachable from
 * other hosts; and the demo topic, written without end, must have a retention bound.
 */
class EmbeddedKafkaBindingTest {

    /** A non-loopback IPv4 address of this machine (e.g. eth0's), if it has one. */
    private static Optional<InetAddress> outsideAddress() throws IOException {
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean accepts(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void byDefaultNoListenerOfTheBrokerIsReachableOnAnotherInterface() throws Exception {
        Optional<InetAddress> outside = outsideAddress();
        Assumptions.assumeTrue(outside.isPresent(), "this machine has no non-loopback IPv4 address to probe from");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
            List<Integer> ports = kafka.listenerPorts();
            assertEquals(2, ports.size(), "a broker and a controller listener: " + ports);
            for (int port : ports) {
                assertTrue(accepts(InetAddress.getLoopbackAddress(), port), "listens on loopback port " + port);
                assertFalse(accepts(outside.get(), port), "port " + port + " must not accept on " + outside.get());
            }
            assertTrue(kafka.bootstrapServers().startsWith("127.0.0.1:"), kafka.bootstrapServers());
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                assertEquals(1, admin.describeCluster().nodes().get().size(), "clients work through the loopback address");
            }
        }
    }

    @Test
    void everyInterfaceOnlyWhenConfigured() throws Exception {
        Optional<InetAddress> outside = outsideAddress();
        Assumptions.assumeTrue(outside.isPresent(), "this machine has no non-loopback IPv4 address to probe from");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null, "0.0.0.0")) {
            assertTrue(accepts(outside.get(), kafka.listenerPorts().get(0)), "0.0.0.0 opens it to " + outside.get());
        }
    }

    private static Config topicConfig(Admin admin, String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get().get(r);
    }

    @Test
    void theDemoTopicHasARetentionBoundAlsoWhenItExistedBefore() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            KafkaClients clients = new KafkaClients(Map.of("bootstrap.servers", kafka.bootstrapServers()));
            // A kept data directory from an earlier version: the topic exists, unbounded.
            clients.createTopicIfAbsent(new NewTopic("streamfit.demo.synthetic", 1, (short) 1));
            DemoStream demo = DemoStream.create(demoConfig(), clients);
            assertEquals("streamfit.demo.synthetic", demo.spec().topic(), "the synthetic demo's topic");
            demo.start();
            demo.close();
            Config c = topicConfig(admin, demo.spec().topic());
            assertEquals("268435456", c.get("retention.bytes").value());
            assertEquals(Long.toString(Duration.ofMinutes(30).toMillis()), c.get("retention.ms").value());
            long segment = Long.parseLong(c.get("segment.bytes").value());
            assertTrue(segment <= 268435456L / 4, "segments small enough for retention to act: " + segment);
        }
    }

    private static StreamfitConfig.Demo demoConfig() {
        return new StreamfitConfig.Demo() {
            public Optional<Boolean> enabled() {
                return Optional.of(true);
            }

            public int examplesPerSecond() {
                return 100;
            }

            public String fashionMnistDir() {
                return "/nonexistent";
            }

            public String dataset() {
                return "synthetic";
            }

            public long driftEvery() {
                return 0;
            }

            public long retentionBytes() {
                return 268435456L;
            }

            public Duration retention() {
                return Duration.ofMinutes(30);
            }
        };
    }
}
