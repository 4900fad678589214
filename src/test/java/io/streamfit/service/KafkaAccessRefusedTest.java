package io.streamfit.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** Unit checks of the start-up message; SaslSslIT checks it against a real SASL_SSL broker. */
class KafkaAccessRefusedTest {
    private static final Map<String, Object> CLIENT = Map.of(
            "bootstrap.servers", "kafka-0:9093",
            "security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-256",
            "sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"trainer\" password=\"hunter2\";",
            "ssl.truststore.location", "/etc/kafka/ca.p12",
            "ssl.truststore.password", "store-secret");

    @Test
    void aRefusedPasswordNamesUserMechanismAndSettingButNotThePassword() {
        var cause = new KafkaException("cannot create topic t", new SaslAuthenticationException("invalid credentials"));
        String m = KafkaAccessRefused.of(new ExecutionException(cause), CLIENT).orElseThrow().getMessage();
        assertEquals("Kafka at kafka-0:9093 refused this service's credentials (SASL SCRAM-SHA-256 as user 'trainer'): check "
                + "kafka.sasl.jaas.config and kafka.sasl.mechanism; the broker said: invalid credentials", m);
    }

    @Test
    void anUntrustedCertificateNamesTheTruststoreAndTheJsseReasonButNoPassword() {
        var cause = new SslAuthenticationException("SSL handshake failed",
                new SSLHandshakeException(
                        "PKIX path building failed: unable to find valid certification path to requested target"));
        String m = KafkaAccessRefused.of(new KafkaException(cause), CLIENT).orElseThrow().getMessage();
        assertTrue(m.startsWith("TLS handshake with Kafka at kafka-0:9093 failed (kafka.security.protocol=SASL_SSL): check that "
                + "kafka.ssl.truststore.location (/etc/kafka/ca.p12)"), m);
        assertTrue(m.endsWith(
                "the TLS layer said: PKIX path building failed: unable to find valid certification path to requested target"), m);
        assertFalse(m.contains("hunter2") || m.contains("store-secret"), m);
    }

    @Test
    void otherFailuresAreLeftAsTheyAre() {
        assertTrue(KafkaAccessRefused.of(new KafkaException(new TimeoutException("no broker")), CLIENT).isEmpty());
        assertTrue(KafkaAccessRefused.of(new IllegalStateException("x"), CLIENT).isEmpty());
    }
}
