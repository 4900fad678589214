package io.streamfit.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;

/**
 * Problem bodies for what the HTTP layer answers before any resource is reached: a path no route
 * serves (404, instead of Vert.x' HTML page) and a method a route does not serve (405).
 */
@ApplicationScoped
public class RouteProblems {
    private static final ObjectMapper JSON = new ObjectMapper();

    void install(@Observes Router router) {
        router.errorHandler(404,
                ctx -> send(ctx, 404, List.of(notFound(ctx.request().method().name(), ctx.normalizedPath())), false));
        router.errorHandler(405, ctx -> send(ctx, 405, List.of(ctx.request().method().name() + " is not allowed on "
                + ProblemInstance.instance(ctx.normalizedPath())), false));
    }

    static String notFound(String method, String path) {
        return "nothing is served at " + method + " " + ProblemInstance.instance(path)
                + ": the console is at /, the API under /models and /cluster, health and metrics under /q";
    }

    /** Answers {@code status} with a problem body; {@code close}: and closes the connection (a body is left unread). */
    static void send(RoutingContext ctx, int status, List<String> errors, boolean close) {
        HttpServerResponse response = ctx.response();
        if (response.headWritten()) {
            return;
        }
        Map<String, Object> body = Problem.body(status, HttpResponseStatus.valueOf(status).reasonPhrase(), errors);
        body.put("instance", ProblemInstance.instance(ctx.normalizedPath()));
        String text;
        try {
            text = JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            text = "{\"status\":" + status + "}";
        }
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (close) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
            response.endHandler(v -> ctx.request().connection().close());
        }
        response.end(text);
    }
}
