package io.streamfit.stream;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A real in-JVM Kafka broker for {@code @QuarkusTest}s: the service sees it as a configured cluster. */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {
    private EmbeddedKafka kafka;

    @Override
    public Map<String, String> start() {
        try {
            kafka = EmbeddedKafka.start(null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers());
    }

    @Override
    public void stop() {
        try {
            kafka.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
