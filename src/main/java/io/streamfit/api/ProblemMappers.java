package io.streamfit.api;

import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Problem bodies for what Quarkus REST answers itself (404 of an unknown route below a resource,
 * 405, 406, 415, ...), for bodies over their bound (413) or cut short (400, logged at DEBUG only:
 * clients and shutdowns close connections) and for anything unexpected (500: the answer carries an
 * id to find the stack trace in the log, never the exception).
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response tooLarge(RequestBodies.TooLarge e) {
        Response r = Problem.response(Response.Status.REQUEST_ENTITY_TOO_LARGE, List.of(e.getMessage()));
        return Response.fromResponse(r).header("Connection", "close").build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri, HttpHeaders headers, ContainerRequestContext request) {
        Response original = e.getResponse();
        int status = original.getStatus();
        String path = uri.getRequestUri().getRawPath();
        String message = switch (status) {
            case 404 -> RouteProblems.notFound(request.getMethod(), path);
            case 405 -> request.getMethod() + " is not allowed on " + ProblemInstance.instance(path)
                    + (original.getAllowedMethods().isEmpty() ? ""
                            : "; allowed: " + String.join(", ", original.getAllowedMethods()));
            case 406 -> ProblemInstance.instance(path) + " does not answer in "
                    + Problem.excerpt(headers.getHeaderString(HttpHeaders.ACCEPT));
            case 415 ->
                "Content-Type " + Problem.excerpt(headers.getHeaderString(HttpHeaders.CONTENT_TYPE)) + " is not accepted by "
                        + ProblemInstance.instance(path) + ": send application/json (specs: also application/yaml)";
            default -> original.getStatusInfo().getReasonPhrase();
        };
        if (status >= 500) {
            return internal(e);
        }
        Response.ResponseBuilder out = Response.fromResponse(Problem.response(original.getStatusInfo(), List.of(message)));
        if (e instanceof NotAllowedException) {
            out.allow(original.getAllowedMethods());
        }
        return out.build();
    }

    /** A body that could not be read to its end: the client (or a shutdown) closed the connection. Not the service's failure. */
    @ServerExceptionMapper
    public Response unreadable(RequestBodies.Unreadable e) {
        LOG.debugf("request body not read to its end: %s", e);
        return Problem.response(Response.Status.BAD_REQUEST,
                List.of("the request body could not be read to its end: the connection closed"));
    }

    @ServerExceptionMapper
    public Response internal(Throwable e) {
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "request failed (error id %s)", id);
        return Problem.response(Response.Status.INTERNAL_SERVER_ERROR,
                List.of("the service failed to answer this request; the server log has the details under error id " + id));
    }
}
