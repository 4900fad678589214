package io.streamfit.stream;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * Binds the embedded broker's listeners to one address.
 *
 * <p>Kafka's test kit opens its listener sockets ahead of time (so the controller quorum's
 * addresses are known before the nodes start) on the wildcard address, whatever the
 * {@code listeners} setting says. This class opens them first, on the configured host, in the
 * kit's socket table, which the kit then uses; and sets {@code listeners} to the same host, so
 * the address the broker advertises is one clients can reach. Guarantee: with the loopback
 * default, neither the broker nor the controller port accepts connections on any other
 * interface (checked by {@code EmbeddedKafkaBindingTest}). The socket table is a private field
 * of the kit (kafka-test-common-runtime 4.1.2): if a later version changes it, start-up fails
 * with a message saying so instead of silently listening everywhere.
 */
final class BrokerBinding {
    static final String LOOPBACK = "127.0.0.1";

    private BrokerBinding() {}

    /** Whether {@code host} means every interface, where the kit's own wildcard sockets are fine. */
    private static boolean wildcard(String host) {
        return host.isBlank() || host.equals("0.0.0.0") || host.equals("::");
    }

    /** The kit's {@code localhost:<port>} list with the bound host in place of {@code localhost}. */
    static String bootstrap(String kitBootstrap, String host) {
        return wildcard(host) ? kitBootstrap
                : kitBootstrap.replace("localhost:", (host.contains(":") ? "[" + host + "]" : host) + ":");
    }

    static void bind(KafkaClusterTestKit.Builder builder, TestKitNodes nodes, String host) throws IOException {
        if (wildcard(host)) {
            return;
        }
        String url = host.contains(":") ? "[" + host + "]" : host;
        ListenerName broker = nodes.brokerListenerName();
        ListenerName controller = nodes.controllerListenerName();
        builder.setConfigProp("listeners", broker.value() + "://" + url + ":0," + controller.value() + "://" + url + ":0");
        Map<Integer, Map<String, ServerSocketChannel>> table = socketTable(builder);
        Set<Integer> ids = new TreeSet<>(nodes.brokerNodes().keySet());
        ids.addAll(nodes.controllerNodes().keySet());
        for (int id : ids) {
            Map<String, ServerSocketChannel> node = table.computeIfAbsent(id, k -> new HashMap<>());
            if (nodes.brokerNodes().containsKey(id)) {
                node.put(broker.value(), open(broker, host));
            }
            if (nodes.controllerNodes().containsKey(id)) {
                node.put(controller.value(), open(controller, host));
            }
        }
    }

    private static ServerSocketChannel open(ListenerName listener, String host) throws IOException {
        // As Kafka's own ServerSocketFactory opens them: non-blocking, bound with a backlog.
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.configureBlocking(false);
            channel.socket().bind(new InetSocketAddress(host, 0), 50);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException("cannot bind the embedded broker's " + listener.value() + " listener to " + host
                    + " (streamfit.embedded.host): " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<Integer, Map<String, ServerSocketChannel>> socketTable(KafkaClusterTestKit.Builder builder) {
        try {
            Field managerField = KafkaClusterTestKit.Builder.class.getDeclaredField("socketFactoryManager");
            managerField.setAccessible(true);
            Object manager = managerField.get(builder);
            Field sockets = manager.getClass().getDeclaredField("sockets");
            sockets.setAccessible(true);
            return (Map<Integer, Map<String, ServerSocketChannel>>) sockets.get(manager);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot bind the embedded broker to a single address (streamfit.embedded.host): "
                    + "the Kafka test kit's socket table is not where this version expects it (" + e + ")", e);
        }
    }
}
