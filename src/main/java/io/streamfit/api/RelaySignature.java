package io.streamfit.api;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a request one instance relays to another: HMAC-SHA256, keyed by the cluster
 * secret ({@code streamfit.cluster.secret}), over
 * {@code METHOD \n raw path[?raw query] \n epoch seconds \n hex SHA-256 of the body}. Guarantee:
 * a request verifies only if it was signed with the same secret for the same method, path,
 * query and body, at a time within {@code maxSkew} of the receiver's clock; signatures are
 * compared in constant time. What it does not prevent: a captured request replayed unchanged
 * within the clock window (relays travel inside the cluster network).
 */
final class RelaySignature {
    static final String TIME = "X-Streamfit-Relay-Time";
    static final String SIGNATURE = "X-Streamfit-Relay-Signature";
    private final SecretKeySpec key;
    private final long maxSkewSeconds;

    RelaySignature(String secret, Duration maxSkew) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.maxSkewSeconds = maxSkew.toSeconds();
    }

    String sign(String method, String pathAndQuery, long epochSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
            String canonical = method + "\n" + pathAndQuery + "\n" + epochSeconds + "\n" + digest;
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e); // every Java 17 runtime has it
        }
    }

    /**
     * Whether the headers could sign a request now: both present and the time within the window
     * around {@code nowSeconds}. Checked before the body is read, so an unsigned request costs
     * nothing.
     */
    boolean plausible(String time, String signature, long nowSeconds) {
        if (time == null || signature == null) {
            return false;
        }
        try {
            long t = Long.parseLong(time.trim());
            return t >= nowSeconds - maxSkewSeconds && t <= nowSeconds + maxSkewSeconds; // no subtraction that can overflow
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Whether the headers sign this request, at a time within the window around {@code nowSeconds}. */
    boolean verify(String method, String pathAndQuery, String time, String signature, byte[] body, long nowSeconds) {
        if (!plausible(time, signature, nowSeconds)) {
            return false;
        }
        long t = Long.parseLong(time.trim());
        byte[] expected = sign(method, pathAndQuery, t, body).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, signature.trim().getBytes(StandardCharsets.UTF_8));
    }
}
