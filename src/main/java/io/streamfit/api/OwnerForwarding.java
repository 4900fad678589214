package io.streamfit.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.service.ModelRegistry;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Relays a request for a model that another instance trains to that instance and returns its
 * answer, so that any pod behind a Kubernetes Service answers for every model. The caller's
 * credentials never go along: with a cluster secret the relayed request is signed
 * ({@link RelaySignature}) and the owner accepts that signature instead of an API key (see
 * {@link ClusterAuth} for when nothing is relayed). A relayed request carries
 * {@value #FORWARDED_BY} and is never relayed again, so a stale view of the owners cannot loop.
 */
final class OwnerForwarding {
    static final String FORWARDED_BY = "X-Streamfit-Forwarded-By";
    static final String SERVED_BY = "X-Streamfit-Served-By";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private static final List<String> REQUEST_HEADERS = List.of("Content-Type", "Accept");
    private static final List<String> RESPONSE_HEADERS = List.of("Content-Type", "Content-Disposition");

    private OwnerForwarding() {}

    /** {@code http://host:port}, with an IPv6 address in brackets. */
    private static String base(ModelRegistry.Owner owner) {
        String host = owner.host().contains(":") && !owner.host().startsWith("[") ? "[" + owner.host() + "]" : owner.host();
        return "http://" + host + ":" + owner.port();
    }

    /** Whether this request came from another instance (and so must be answered here). */
    static boolean relayed(HttpHeaders headers) {
        return headers.getHeaderString(FORWARDED_BY) != null;
    }

    static Response forward(ModelRegistry.Owner owner, String method, UriInfo uri, HttpHeaders headers, String body)
            throws IOException {
        String query = uri.getRequestUri().getRawQuery();
        HttpResponse<byte[]> r = send(owner, uri.getRequestUri().getRawPath() + (query == null ? "" : "?" + query), method, body,
                Duration.ofSeconds(30), headers);
        Response.ResponseBuilder out = Response.status(r.statusCode()).entity(r.body()).header(SERVED_BY, owner.name());
        for (String h : RESPONSE_HEADERS) {
            r.headers().firstValue(h).ifPresent(v -> out.header(h, v));
        }
        return out.build();
    }

    /** {@code GET <pathAndQuery>} on another instance, relayed (so it answers for itself), as JSON. */
    static JsonNode get(ModelRegistry.Owner owner, String pathAndQuery, HttpHeaders headers) throws IOException {
        HttpResponse<byte[]> r = send(owner, pathAndQuery, "GET", null, Duration.ofSeconds(10), headers);
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode());
        }
        return JSON.readTree(r.body());
    }

    /** Sends a relayed request: marked {@value #FORWARDED_BY}, signed when there is a secret, with the content headers. */
    private static HttpResponse<byte[]> send(ModelRegistry.Owner owner, String pathAndQuery, String method, String body,
            Duration timeout, HttpHeaders headers) throws IOException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base(owner) + pathAndQuery)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header(FORWARDED_BY, "streamfit");
        Optional<RelaySignature> signature = CDI.current().select(ClusterAuth.class).get().signature();
        if (signature.isPresent()) {
            long now = System.currentTimeMillis() / 1000;
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            req.header(RelaySignature.TIME, Long.toString(now))
                    .header(RelaySignature.SIGNATURE, signature.get().sign(method, pathAndQuery, now, bytes));
        }
        for (String h : REQUEST_HEADERS) {
            String v = headers.getHeaderString(h);
            if (v != null) {
                req.header(h, v);
            }
        }
        try {
            return HTTP.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** 502 when the owner did not answer: the caller may retry (the partition may be moving). */
    static Response unreachable(ModelRegistry.Owner owner, Exception e) {
        return ModelsResource.errors(Response.Status.BAD_GATEWAY, List.of("the model is trained by " + owner
                + ", which did not answer (" + reason(e) + "); retry: its partition may be moving"));
    }

    /** Why a relayed request failed, in words rather than an exception's class name. */
    private static String reason(Exception e) {
        if (e instanceof HttpTimeoutException) {
            return "timed out";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        return e.getMessage() == null ? "connection failed" : e.getMessage();
    }

    /**
     * A model this instance does not train: relayed to the instance that does (see
     * {@link OwnerForwarding}), or 404, naming that instance when there is one.
     */
    static Response elsewhere(ModelRegistry registry, String id, String method, UriInfo uri, HttpHeaders headers, String body) {
        Optional<ModelRegistry.Owner> owner = registry.ownerOf(id);
        if (owner.isPresent() && registry.forwardsRequests() && !OwnerForwarding.relayed(headers)) {
            try {
                return forward(owner.get(), method, uri, headers, body);
            } catch (IOException | IllegalArgumentException e) {
                registry.forgetOwner(id);
                return unreachable(owner.get(), e);
            }
        }
        String where = owner.map(o -> ": it is not trained by this instance; its partition is held by " + o).orElse("");
        return Problem.response(Response.Status.NOT_FOUND, List.of("no model with id " + Problem.excerpt(id) + where));
    }
}
