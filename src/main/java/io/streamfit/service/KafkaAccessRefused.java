package io.streamfit.service;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Turns Kafka's refusal of this service's identity into a start-up failure that says which
 * setting to check. Guarantee: when the brokers reject the TLS handshake (the truststore does not
 * trust the broker's certificate, or the certificate does not name the address) or the SASL
 * credentials, start-up fails with one message naming the broker address, the mechanism, the
 * user and the {@code kafka.*} keys to check; it never contains a password (neither the SASL
 * password from {@code kafka.sasl.jaas.config} nor a store password): it is built only from the
 * address, mechanism, user name, truststore path and Kafka's own error text, none of which carry
 * one.
 */
public final class KafkaAccessRefused extends IllegalStateException {
    private static final Pattern USERNAME = Pattern.compile("\\busername\\s*=\\s*\"([^\"]*)\"");

    private KafkaAccessRefused(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The failure to report instead of {@code failure} if it was caused by an authentication
     * failure, else empty.
     *
     * @param client the Kafka client properties without the {@code kafka.} prefix
     */
    public static Optional<KafkaAccessRefused> of(Throwable failure, Map<String, Object> client) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SslAuthenticationException) {
                return Optional.of(new KafkaAccessRefused(tls(client, rootMessage(t)), t));
            }
            if (t instanceof AuthenticationException) {
                return Optional.of(new KafkaAccessRefused(sasl(client, t.getMessage()), t));
            }
        }
        return Optional.empty();
    }

    private static String tls(Map<String, Object> client, String reason) {
        Object truststore = client.get("ssl.truststore.location");
        return "TLS handshake with Kafka at " + client.get("bootstrap.servers") + " failed (kafka.security.protocol="
                + client.getOrDefault("security.protocol", "PLAINTEXT") + "): check that kafka.ssl.truststore.location ("
                + (truststore == null ? "not set: the JVM's default trust store" : truststore)
                + ") holds the certificate authority that signed the broker's certificate, and that the certificate names the address"
                + " in kafka.bootstrap.servers; the TLS layer said: " + reason;
    }

    private static String sasl(Map<String, Object> client, String reason) {
        Object jaas = client.get("sasl.jaas.config");
        Matcher m = USERNAME.matcher(jaas == null ? "" : jaas.toString());
        String user = m.find() ? "as user '" + m.group(1) + "'" : "without a username in kafka.sasl.jaas.config";
        return "Kafka at " + client.get("bootstrap.servers") + " refused this service's credentials (SASL "
                + client.getOrDefault("sasl.mechanism", "GSSAPI") + " " + user
                + "): check kafka.sasl.jaas.config and kafka.sasl.mechanism;"
                + " the broker said: " + reason;
    }

    /** The innermost message (the JSSE reason, such as "PKIX path building failed: ..."). */
    private static String rootMessage(Throwable t) {
        String message = t.getMessage();
        for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
            if (c.getMessage() != null) {
                message = c.getMessage();
            }
        }
        return message;
    }
}
