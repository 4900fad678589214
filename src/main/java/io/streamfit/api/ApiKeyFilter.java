package io.streamfit.api;

import io.quarkus.runtime.StartupEvent;
import io.streamfit.config.StreamfitConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Only callers with a configured key ({@code streamfit.api.keys}) may create or change models:
 * every request to {@code /models} and {@code /cluster} that is not reading needs
 * {@code Authorization: Bearer <key>} or {@code X-API-Key: <key>}; with
 * {@code streamfit.api.protect-reads=true}, reading ones do too. Health and metrics
 * ({@code /q/...}) stay open for probes and Prometheus. A refused request gets 401 with a problem
 * body ({@link Problem}) and a {@code WWW-Authenticate} header; keys are compared in constant time.
 */
@Provider
@ApplicationScoped
public class ApiKeyFilter implements ContainerRequestFilter {
    private static final Logger LOG = Logger.getLogger(ApiKeyFilter.class);
    private List<byte[]> keys;
    private boolean protectReads;

    /** For CDI's client proxy. */
    protected ApiKeyFilter() {}

    @Inject
    public ApiKeyFilter(StreamfitConfig config) {
        this.keys = config.api().keys().orElse(List.of()).stream().map(String::trim).filter(k -> !k.isEmpty())
                .map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.protectReads = config.api().protectReads();
    }

    void warnIfOpen(@Observes StartupEvent e) {
        if (keys.isEmpty()) {
            LOG.warn("streamfit.api.keys is not set: anyone who can reach this service can create, change and resume models");
        }
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (keys.isEmpty() || !(protectReads || changes(request))
                || Boolean.TRUE.equals(request.getProperty(RelayAuthFilter.VERIFIED))) {
            return;
        }
        String presented = presentedKey(request);
        if (presented == null || !known(presented.getBytes(StandardCharsets.UTF_8))) {
            request.abortWith(Response.fromResponse(ModelsResource.errors(Response.Status.UNAUTHORIZED, List.of(presented == null
                    ? "this request needs an API key: Authorization: Bearer <key> or X-API-Key: <key>"
                    : "the API key is not valid")))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"streamfit\"")
                    .build());
        }
    }

    /**
     * Requests that change state or cost more than a read: every one but GET, HEAD, OPTIONS and
     * {@code POST .../predict}. {@code POST /models/validate} changes nothing but parses a spec
     * of up to 1 MiB, so it needs a key too.
     */
    static boolean changes(ContainerRequestContext request) {
        String method = request.getMethod();
        if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
            return false;
        }
        String path = request.getUriInfo().getPath();
        return !(method.equals("POST") && path.endsWith("/predict"));
    }

    private static String presentedKey(ContainerRequestContext request) {
        String auth = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).trim();
        }
        return request.getHeaderString("X-API-Key");
    }

    private boolean known(byte[] presented) {
        boolean ok = false;
        for (byte[] k : keys) {
            ok |= MessageDigest.isEqual(k, presented); // no early exit: timing does not tell which key
        }
        return ok;
    }
}
