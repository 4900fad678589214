package io.streamfit.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaPropertiesTest {

    @Test
    void kafkaPropertiesComeFromFilesAndEnvironmentWithoutQuarkusOwnSettings() {
        SmallRyeConfig cfg = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of(
                        "kafka.bootstrap.servers", "file:9092",
                        "kafka.security.protocol", "SASL_SSL",
                        "kafka.devservices.enabled", "false"), "file", 250))
                .withSources(new EnvConfigSource(Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS", "env:9092",
                        "KAFKA_SASL_MECHANISM", "PLAIN"), 300))
                .build();
        Map<String, Object> props = KafkaEndpoint.kafkaProperties(cfg);
        assertEquals(Map.of("bootstrap.servers", "env:9092", "security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"), props);
    }
}
