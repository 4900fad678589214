package io.streamfit.api;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Checks requests that say they were relayed by another instance ({@link OwnerForwarding#FORWARDED_BY}).
 * With a cluster secret configured, such a request must carry a valid signature
 * ({@link RelaySignature}): then it is authorized without an API key (the caller's key was
 * checked by the instance that relayed it and is not forwarded); otherwise it gets 401. Without
 * a secret nothing is authorized here and the API key check applies as to any request, so a
 * forged relay header never bypasses the keys.
 */
@Provider
@ApplicationScoped
@Priority(Priorities.AUTHENTICATION - 100)
public class RelayAuthFilter implements ContainerRequestFilter {
    /** Request property set on a relayed request whose signature verified. */
    static final String VERIFIED = "streamfit.relay.verified";
    private ClusterAuth auth;

    /** For CDI's client proxy. */
    protected RelayAuthFilter() {}

    @Inject
    public RelayAuthFilter(ClusterAuth auth) {
        this.auth = auth;
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        if (request.getHeaderString(OwnerForwarding.FORWARDED_BY) == null || auth.signature().isEmpty()) {
            return;
        }
        RelaySignature signature = auth.signature().get();
        String time = request.getHeaderString(RelaySignature.TIME);
        String signed = request.getHeaderString(RelaySignature.SIGNATURE);
        long now = System.currentTimeMillis() / 1000;
        boolean ok = false;
        if (signature.plausible(time, signed, now)) {
            // Only now is the body read, and only up to its route's bound: an unsigned or stale
            // request is refused without reading a byte of it.
            String path = request.getUriInfo().getRequestUri().getRawPath();
            byte[] body;
            try (InputStream in = request.getEntityStream()) {
                body = RequestBodies.readBytes(in, RequestBodies.limitFor(request.getMethod(), request.getUriInfo().getPath()),
                        "the request body");
            }
            request.setEntityStream(new ByteArrayInputStream(body));
            String query = request.getUriInfo().getRequestUri().getRawQuery();
            ok = signature.verify(request.getMethod(), path + (query == null ? "" : "?" + query), time, signed, body, now);
        }
        if (ok) {
            request.setProperty(VERIFIED, Boolean.TRUE);
        } else {
            Response refused = ModelsResource.errors(Response.Status.UNAUTHORIZED,
                    List.of("a relayed request needs a valid signature "
                            + "from another instance (" + RelaySignature.SIGNATURE
                            + ", within streamfit.cluster.relay-clock-skew): missing, expired or wrong"));
            request.abortWith(
                    Response.fromResponse(refused).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"streamfit\"").build());
        }
    }
}
