package io.streamfit.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.service.LandscapeJobs;
import io.streamfit.service.ModelHistory;
import io.streamfit.service.ModelRegistry;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;

/**
 * What the console draws besides the status: a model's recent curves ({@code /history}) and its
 * loss landscape and sharpness ({@code /landscape}). Like every per-model endpoint, relayed to the
 * instance that trains the model.
 */
@Path("/models/{id}")
@Produces(MediaType.APPLICATION_JSON)
public class CurvesResource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ModelRegistry registry;
    private final LandscapeJobs landscapes;

    public CurvesResource(ModelRegistry registry, LandscapeJobs landscapes) {
        this.registry = registry;
        this.landscapes = landscapes;
    }

    /**
     * The last {@code seconds} seconds (10 to {@value ModelHistory#CAPACITY_SECONDS}; default
     * 300) of the model's curves, one point a second ({@link ModelHistory#toMap}).
     */
    @GET
    @Path("/history")
    public Response history(@PathParam("id") String id, @QueryParam("seconds") @DefaultValue("300") String seconds,
            @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        if (e == null) {
            return OwnerForwarding.elsewhere(registry, id, "GET", uri, headers, null);
        }
        int s;
        try {
            s = Integer.parseInt(seconds.trim());
        } catch (NumberFormatException ex) {
            s = -1;
        }
        if (s < 10 || s > ModelHistory.CAPACITY_SECONDS) {
            return Problem.response(Response.Status.BAD_REQUEST, List.of("seconds must be a whole number from 10 to "
                    + ModelHistory.CAPACITY_SECONDS + ", got " + Problem.excerpt(seconds)));
        }
        return Response.ok(e.history().toMap(id, s)).build();
    }

    /**
     * Starts computing the loss landscape and sharpness on the next rows the model trains on
     * (body: {@link LandscapeRequests}; empty: the defaults); 202 with the job, whose progress
     * and result {@code GET} answers. 409 while one is under way, 413 over the work bound, 429
     * when the service computes {@code LandscapeJobs.MAX_JOBS} already.
     */
    @POST
    @Path("/landscape")
    @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
    public Response startLandscape(@PathParam("id") String id, String body, @Context UriInfo uri,
            @Context HttpHeaders headers) {
        body = RequestBodies.bounded(body == null ? "" : body, LandscapeRequests.MAX_BYTES, "the request body");
        ModelRegistry.Entry e = registry.get(id);
        if (e == null) {
            return OwnerForwarding.elsewhere(registry, id, "POST", uri, headers, body);
        }
        LandscapeJobs.Request request;
        try {
            request = LandscapeRequests.parse(body.isBlank() ? null : JSON.readTree(body));
        } catch (JsonProcessingException ex) {
            return Problem.response(Response.Status.BAD_REQUEST,
                    List.of("the body is not valid JSON: " + ex.getOriginalMessage()));
        } catch (LandscapeRequests.Invalid ex) {
            return Problem.response(Response.Status.BAD_REQUEST, ex.errors);
        }
        try {
            return Response.accepted(landscapes.start(e, request)).header("Location", "/models/" + id + "/landscape").build();
        } catch (LandscapeJobs.Refused ex) {
            return Problem.response(Response.Status.fromStatusCode(ex.status), List.of(ex.getMessage()));
        }
    }

    /** The latest landscape job of the model: its state ({@code none}, capturing, computing, done, failed) and result. */
    @GET
    @Path("/landscape")
    public Response landscape(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        if (e == null) {
            return OwnerForwarding.elsewhere(registry, id, "GET", uri, headers, null);
        }
        return Response.ok(landscapes.status(e)).build();
    }
}
