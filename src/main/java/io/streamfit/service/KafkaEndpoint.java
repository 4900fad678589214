package io.streamfit.service;

import io.streamfit.config.StreamfitConfig;
import io.streamfit.stream.EmbeddedKafka;
import io.streamfit.stream.KafkaClients;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Where Kafka is. Every {@code kafka.*} property (bootstrap servers, security protocol, SASL
 * settings, ...) is handed to the clients without the prefix. Without
 * {@code kafka.bootstrap.servers}, a real broker is started in this JVM (demo mode).
 */
@ApplicationScoped
public class KafkaEndpoint {
    private static final Logger LOG = Logger.getLogger(KafkaEndpoint.class);
    private final StreamfitConfig config;
    private KafkaClients clients;
    private EmbeddedKafka embedded;
    private Admin admin;

    public KafkaEndpoint(StreamfitConfig config) {
        this.config = config;
    }

    public synchronized KafkaClients clients() {
        if (clients == null) {
            Map<String, Object> props = kafkaProperties(ConfigProvider.getConfig());
            if (!props.containsKey("bootstrap.servers")) {
                embedded = startEmbedded();
                props.put("bootstrap.servers", embedded.bootstrapServers());
            }
            clients = new KafkaClients(props);
        }
        return clients;
    }

    /**
     * One Admin client for the service's frequent small questions (broker health, who owns a
     * model), so they share connections instead of each opening its own. Closed at shutdown.
     */
    public synchronized Admin admin() {
        if (admin == null) {
            admin = clients().admin();
        }
        return admin;
    }

    /**
     * {@code failure}, or a {@link KafkaAccessRefused} that says which setting to check if it came
     * from the brokers refusing this service's TLS handshake or SASL credentials.
     */
    Exception explain(Exception failure) {
        return KafkaAccessRefused.of(failure, kafkaProperties(ConfigProvider.getConfig())).<Exception>map(r -> r).orElse(failure);
    }

    public synchronized boolean embedded() {
        return embedded != null;
    }

    /** Whether the user configured a cluster (nothing embedded will start). */
    public static boolean externalConfigured() {
        return ConfigProvider.getConfig().getOptionalValue("kafka.bootstrap.servers", String.class)
                .filter(s -> !s.isBlank()).isPresent();
    }

    /**
     * Every {@code kafka.*} property, from any config source. Environment variables
     * ({@code KAFKA_SASL_MECHANISM}) appear under their own names, so they are mapped to the dotted
     * form and read back through the config, which applies the usual precedence.
     */
    static Map<String, Object> kafkaProperties(Config cfg) {
        Set<String> keys = new TreeSet<>();
        for (String name : cfg.getPropertyNames()) {
            if (name.startsWith("kafka.")) {
                keys.add(name.substring("kafka.".length()));
            } else if (name.startsWith("KAFKA_")) {
                keys.add(name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'));
            }
        }
        Map<String, Object> props = new HashMap<>();
        for (String key : keys) {
            if (key.startsWith("devservices") || key.startsWith("health") || key.startsWith("snappy")) {
                continue; // Quarkus' own settings, not client properties
            }
            cfg.getOptionalValue("kafka." + key, String.class).filter(v -> !v.isBlank()).ifPresent(v -> props.put(key, v));
        }
        return props;
    }

    private EmbeddedKafka startEmbedded() {
        try {
            Path dir = config.embedded().dataDir().map(Path::of).orElse(null);
            EmbeddedKafka k = EmbeddedKafka.start(dir, config.embedded().host());
            LOG.infof("no kafka.bootstrap.servers configured: started an embedded Kafka 4.1.2 broker at %s%s",
                    k.bootstrapServers(), dir == null ? " (data deleted on exit)" : " (data in " + dir + ")");
            return k;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded Kafka broker: " + e.getMessage(), e);
        }
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
        if (embedded != null) {
            try {
                embedded.close();
            } catch (Exception e) {
                LOG.warn("closing the embedded broker", e);
            }
            embedded = null;
        }
    }
}
