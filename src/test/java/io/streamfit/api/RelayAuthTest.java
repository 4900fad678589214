package io.streamfit.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.streamfit.stream.KafkaTestResource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 10, on one instance: a request marked as relayed is authorized by a valid
 * signature made with the cluster secret instead of an API key, and refused (401) when the
 * signature is missing, forged, made for another body or path, or outside the clock window; a
 * forged relay header never bypasses the API key.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@TestProfile(RelayAuthTest.Profile.class)
class RelayAuthTest {
    static final String SECRET = "cluster-secret-for-tests";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("streamfit.api.keys", "relay-test-key", "streamfit.cluster.secret", SECRET);
        }
    }

    static {
        RestAssured.config = RestAssured.config().encoderConfig(
                EncoderConfig.encoderConfig().encodeContentTypeAs("application/yaml", ContentType.TEXT));
    }

    private static final RelaySignature SIGNER = new RelaySignature(SECRET, Duration.ofSeconds(30));

    private static String spec(String id) {
        return StreamfitServiceTest.LEARN_SPEC.replace("id: learn", "id: " + id).replace("topic: learn.in",
                "topic: " + id + ".in");
    }

    private static RequestSpecification relayed(String method, String path, String body, long time, String signedBody,
            String secret) {
        String sig = new RelaySignature(secret, Duration.ofSeconds(30)).sign(method, path, time,
                signedBody.getBytes(StandardCharsets.UTF_8));
        return given().header(OwnerForwarding.FORWARDED_BY, "streamfit").header(RelaySignature.TIME, Long.toString(time))
                .header(RelaySignature.SIGNATURE, sig).contentType("application/yaml").body(body);
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    @Test
    void aSignedRelayNeedsNoKeyAndEveryForgeryIsRefused() {
        String body = spec("relayed");
        // forged: the relay header alone, or with signatures that do not match
        given().header(OwnerForwarding.FORWARDED_BY, "streamfit").contentType("application/yaml").body(body).post("/models")
                .then().statusCode(401).body("errors[0]", containsString("signature"));
        relayed("POST", "/models", body, now(), body, "another-secret").post("/models").then().statusCode(401);
        relayed("POST", "/models", body, now() - 120, body, SECRET).post("/models").then().statusCode(401); // expired
        relayed("POST", "/models", body, now() + 120, body, SECRET).post("/models").then().statusCode(401); // from the future
        relayed("POST", "/models", body, now(), spec("other"), SECRET).post("/models").then().statusCode(401); // another body
        relayed("POST", "/models/validate", body, now(), body, SECRET).post("/models").then().statusCode(401); // another path
        relayed("PUT", "/models", body, now(), body, SECRET).post("/models").then().statusCode(401); // another method
        // a forged relay header with a valid API key is still refused: the signature is what a relay is judged by
        given().header(OwnerForwarding.FORWARDED_BY, "streamfit").header("X-API-Key", "relay-test-key")
                .contentType("application/yaml")
                .body(body).post("/models").then().statusCode(401);
        given().contentType("application/yaml").body(body).post("/models").then().statusCode(401); // no key, no relay

        relayed("POST", "/models", body, now(), body, SECRET).post("/models").then().statusCode(201);
        relayed("DELETE", "/models/relayed", "", now(), "", SECRET).delete("/models/relayed").then().statusCode(200);
    }

    @Test
    void theSignatureCoversTheQuery() {
        long t = now();
        String sig = SIGNER.sign("GET", "/models?scope=local", t, new byte[0]);
        given().header(OwnerForwarding.FORWARDED_BY, "streamfit").header(RelaySignature.TIME, Long.toString(t))
                .header(RelaySignature.SIGNATURE, sig).get("/models?scope=local").then().statusCode(200);
        given().header(OwnerForwarding.FORWARDED_BY, "streamfit").header(RelaySignature.TIME, Long.toString(t))
                .header(RelaySignature.SIGNATURE, sig).get("/models?scope=cluster").then().statusCode(401);
    }
}
