package io.streamfit.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;

/**
 * Completes every {@link Problem} body with its {@code instance}: the request path (an excerpt
 * when it is long), so a log line and an answer can be matched.
 */
@Provider
public class ProblemInstance implements ContainerResponseFilter {
    @Override
    @SuppressWarnings("unchecked")
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getEntity() instanceof Map<?, ?> body && Problem.TYPE.isCompatible(response.getMediaType())
                && body.containsKey("type") && !body.containsKey("instance")) {
            ((Map<String, Object>) body).put("instance", instance(request.getUriInfo().getRequestUri().getRawPath()));
        }
    }

    /** The path, cut to an excerpt: a request for a 1 MB id must not come back 1 MB long. */
    static String instance(String path) {
        return path == null ? "" : path.length() <= Problem.EXCERPT_CHARS ? path : path.substring(0, Problem.EXCERPT_CHARS) + "…";
    }
}
