package io.streamfit.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.service.ModelLimit;
import io.streamfit.service.ModelRegistry;
import io.streamfit.service.SpecTooLargeException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.ModelRunner;
import io.streamfit.stream.RunnerPhase;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchBoard;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The models API: list, status, specs, prediction, snapshots. Errors are RFC 9457 problem details
 * ({@link Problem}) whose {@code errors} member lists each field error.
 */
@Path("/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {
    static final int MAX_PREDICT_ROWS = 10_000;
    /** How long {@code POST /models} waits for a model it started to run before answering 202 instead of 201. */
    static final long CREATE_WAIT_MILLIS = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ModelRegistry registry;

    public ModelsResource(ModelRegistry registry) {
        this.registry = registry;
    }

    /**
     * Every model's status. With several instances, every instance's models (each with the
     * {@code instance} that trains it), gathered from the others; {@code ?scope=local}: only
     * this instance's. Instances that did not answer are listed under {@code unreachable_instances}.
     */
    @GET
    public Map<String, Object> list(@QueryParam("scope") @DefaultValue("cluster") String scope, @Context HttpHeaders headers) {
        String self = registry.instanceName();
        List<Object> models = new ArrayList<>();
        for (ModelRegistry.Entry e : registry.all()) {
            Map<String, Object> status = ModelStatus.of(e);
            if (self != null) {
                status.put("instance", self);
            }
            models.add(status);
        }
        Map<String, Object> rejected = new TreeMap<>(registry.rejectedSpecs());
        List<String> unreachable = new ArrayList<>();
        if (!"local".equals(scope) && registry.forwardsRequests() && !OwnerForwarding.relayed(headers)) {
            // Asked in parallel: one slow peer costs its timeout once, not once per peer.
            List<Object> answers = registry.peers().parallelStream().map(peer -> {
                try {
                    return (Object) OwnerForwarding.get(peer, "/models?scope=local", headers);
                } catch (IOException | IllegalArgumentException e) {
                    return peer + ": " + e.getMessage();
                }
            }).toList();
            for (Object answer : answers) {
                if (answer instanceof JsonNode theirs) {
                    theirs.path("models").forEach(models::add);
                    theirs.path("rejected_specs").fields()
                            .forEachRemaining(f -> rejected.putIfAbsent(f.getKey(), f.getValue().asText()));
                } else {
                    unreachable.add(String.valueOf(answer));
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("models", models);
        out.put("rejected_specs", rejected);
        if (!unreachable.isEmpty()) {
            out.put("unreachable_instances", unreachable);
        }
        return out;
    }

    /**
     * Declares a model (YAML or JSON body), validated like a spec file; starts training it. 201
     * once it runs here; 202 with its status and a {@code Location} to poll while it is still
     * starting or restoring (waited for up to {@link #CREATE_WAIT_MILLIS} ms), or when another
     * instance owns it; 413 when the body or the spec's stored form is too large.
     */
    @POST
    @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    public Response create(InputStream body) throws IOException {
        ModelSpec spec;
        try {
            spec = SpecParser.parse(RequestBodies.read(body, RequestBodies.MAX_SPEC_BYTES, "the spec"));
        } catch (SpecException e) {
            return errors(Response.Status.BAD_REQUEST, e.errors());
        }
        ModelRegistry.Creation created;
        try {
            created = registry.create(spec);
        } catch (SpecException e) {
            return errors(Response.Status.BAD_REQUEST, e.errors());
        } catch (ModelLimit.Exceeded e) {
            return errors(Response.Status.CONFLICT, List.of(e.getMessage()));
        } catch (SpecTooLargeException e) {
            return errors(Response.Status.REQUEST_ENTITY_TOO_LARGE, e.errors());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return errors(Response.Status.SERVICE_UNAVAILABLE, List.of("interrupted while storing the spec"));
        } catch (KafkaException e) {
            if (causedBy(e, RecordTooLargeException.class)) {
                return errors(Response.Status.REQUEST_ENTITY_TOO_LARGE, List.of("the spec is too large for the models topic: its "
                        + "stored form exceeds the message size the topic or the brokers accept"));
            }
            return errors(Response.Status.SERVICE_UNAVAILABLE, List.of(e.getMessage()));
        }
        switch (created) {
            case DUPLICATE:
                return errors(Response.Status.CONFLICT, List.of("id \"" + spec.id() + "\" is already declared"));
            case STORED_FOR_OWNER: {
                // Another instance holds the model's partition: it reads the spec and trains it.
                Map<String, Object> accepted = new LinkedHashMap<>();
                accepted.put("id", spec.id());
                accepted.put("stored_in", registry.specStore());
                accepted.put("partition", registry.ownership().partitionOf(spec.id()));
                accepted.put("trained_by",
                        "the instance that holds that partition (GET /models/" + spec.id() + " on any instance relays to it)");
                return Response.status(Response.Status.ACCEPTED).header("Location", "/models/" + spec.id()).entity(accepted)
                        .build();
            }
            default: {
                ModelRegistry.Entry entry = registry.get(spec.id());
                if (entry == null) { // moved away or deleted meanwhile: stored, and whoever owns it now trains it
                    Map<String, Object> accepted = new LinkedHashMap<>();
                    accepted.put("id", spec.id());
                    accepted.put("stored_in", registry.specStore());
                    return Response.status(Response.Status.ACCEPTED).header("Location", "/models/" + spec.id()).entity(accepted)
                            .build();
                }
                ModelRunner runner = ModelPhases.awaitStarted(entry.runner(), CREATE_WAIT_MILLIS);
                Map<String, Object> status = ModelStatus.of(runner);
                status.put("stored_in", registry.specStore());
                boolean runs = runner.phase() == RunnerPhase.RUNNING;
                Response.ResponseBuilder out = Response.status(runs ? Response.Status.CREATED : Response.Status.ACCEPTED)
                        .header("Location", "/models/" + spec.id()).entity(status);
                return (ModelPhases.starting(runner) ? out.header(HttpHeaders.RETRY_AFTER, ModelPhases.RETRY_AFTER_SECONDS) : out)
                        .build();
            }
        }
    }

    /**
     * Validates a spec without starting anything: the same checks {@code POST /models} makes
     * ({@link ModelRegistry#check}), so that a spec valid here is not refused there.
     */
    @POST
    @Path("/validate")
    @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    public Response validate(InputStream body) throws IOException {
        try {
            ModelSpec spec = SpecParser.parse(RequestBodies.read(body, RequestBodies.MAX_SPEC_BYTES, "the spec"));
            registry.check(spec); // every check POST /models makes
            return Response.ok(Map.of("valid", true, "id", spec.id())).build();
        } catch (SpecException e) {
            return errors(Response.Status.BAD_REQUEST, e.errors());
        } catch (SpecTooLargeException e) {
            return errors(Response.Status.REQUEST_ENTITY_TOO_LARGE, e.errors());
        }
    }

    @GET
    @Path("/{id}")
    public Response status(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        return e == null ? elsewhere(id, "GET", uri, headers, null) : Response.ok(ModelStatus.of(e)).build();
    }

    /** Deletes a model (see {@link ModelDeletions}); relayed to the instance that trains it. */
    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        if (registry.get(id) == null && registry.forwardsRequests() && !OwnerForwarding.relayed(headers)
                && registry.ownerOf(id).isPresent()) {
            return elsewhere(id, "DELETE", uri, headers, null);
        }
        return ModelDeletions.delete(registry, id);
    }

    @GET
    @Path("/{id}/spec")
    public Response spec(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        return e == null ? elsewhere(id, "GET", uri, headers, null) : Response.ok(e.runner().spec().source()).build();
    }

    /**
     * The search's leaderboard: every trial with its values, score, rung, examples and status, the
     * winner first ({@link SearchBoard#toMap}); 409 for a model that does not search, 503 before
     * its search is restored.
     */
    @GET
    @Path("/{id}/search")
    public Response search(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        if (e == null) {
            return elsewhere(id, "GET", uri, headers, null);
        }
        if (!e.runner().spec().searches()) {
            return errors(Response.Status.CONFLICT, List.of("model " + id + " has no search section: it trains one model"));
        }
        SearchBoard board = e.runner().searchBoard();
        if (board == null) {
            return errors(Response.Status.SERVICE_UNAVAILABLE, List.of("model " + id + " is restoring its search"));
        }
        return Response.ok(board.toMap()).build();
    }

    /**
     * Predicts on the current parameters. Body {@code {"x": [...]}} (one example) or
     * {@code {"x": [[...], ...]}} (several), sequences for a sequence model ({@link PredictRequest}).
     * Never sees a half-applied update.
     */
    @POST
    @Path("/{id}/predict")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response predict(@PathParam("id") String id, String body, @Context UriInfo uri, @Context HttpHeaders headers) {
        // A String, not a stream: predict needs no key, and a String body is buffered on the event
        // loop (within quarkus.http.limits.max-body-size) instead of holding a worker thread while
        // a slow client sends it. A declared Content-Length over the bound never gets here.
        body = RequestBodies.bounded(body, RequestBodies.MAX_PREDICT_BYTES, "the request body");
        ModelRegistry.Entry e = registry.get(id);
        if (e == null) {
            return elsewhere(id, "POST", uri, headers, body);
        }
        Response unavailable = ModelPhases.refusePredict(e.runner());
        if (unavailable != null) {
            return unavailable;
        }
        ModelState state = e.runner().state();
        ModelSpec spec = state.spec();
        float[][] rows;
        try {
            rows = PredictRequest.parse(JSON.readTree(body), spec, MAX_PREDICT_ROWS);
        } catch (JsonProcessingException ex) {
            return errors(Response.Status.BAD_REQUEST, List.of("the body is not valid JSON: " + ex.getOriginalMessage()
                    + (ex.getLocation() == null ? ""
                            : " at line " + ex.getLocation().getLineNr() + ", column " + ex.getLocation().getColumnNr())));
        } catch (IllegalArgumentException ex) {
            return errors(Response.Status.BAD_REQUEST, List.of(ex.getMessage()));
        }
        ModelState.Prediction out = state.predict(Nd4j.create(rows));
        return Response.ok(PredictRequest.response(spec, e.runner().version(), out)).build();
    }

    @GET
    @Path("/{id}/snapshot")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    public Response snapshot(@PathParam("id") String id, @QueryParam("tag") @DefaultValue("latest") String tag,
            @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        if (e == null) {
            return elsewhere(id, "GET", uri, headers, null);
        }
        ModelRunner r = e.runner();
        byte[] bytes;
        switch (tag) {
            case "latest" -> bytes = r.lastSnapshot();
            case "best" -> {
                if (r.spec().earlyStopping() == null) {
                    return errors(Response.Status.NOT_FOUND, List.of("model " + id + " has no best snapshot: its spec "
                            + "has no early_stopping section, which is what tags one"));
                }
                bytes = r.bestSnapshot();
            }
            case "pre-drift" -> {
                if (r.spec().drift() == null || !r.spec().drift().tagPreDrift()) {
                    return errors(Response.Status.NOT_FOUND, List.of("model " + id + " has no pre-drift snapshot: its spec "
                            + "has no drift.tag_pre_drift, which is what tags one"));
                }
                bytes = r.preDriftSnapshot();
            }
            default -> {
                return errors(Response.Status.BAD_REQUEST,
                        List.of("tag must be latest, best or pre-drift, got " + Problem.excerpt(tag)));
            }
        }
        if (bytes == null) {
            return errors(Response.Status.NOT_FOUND, List.of("model " + id + " has not published a " + tag + " snapshot yet"));
        }
        return Response.ok(bytes, MediaType.APPLICATION_OCTET_STREAM)
                .header("Content-Disposition",
                        "attachment; filename=\"" + id + (tag.equals("latest") ? "" : "-" + tag) + ".safetensors\"")
                .build();
    }

    /**
     * Pauses training (202 with the status): see {@link ModelRunner#pause}. 409 when it is paused
     * already or has ended.
     */
    @POST
    @Path("/{id}/pause")
    public Response pause(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        if (e == null) {
            return elsewhere(id, "POST", uri, headers, "");
        }
        if (!e.runner().pause()) {
            return errors(Response.Status.CONFLICT, List.of("model " + id + (e.runner().terminated()
                    ? " has stopped (" + e.runner().phase().name().toLowerCase() + "): there is nothing to pause"
                    : " is paused already")));
        }
        return Response.accepted(ModelStatus.of(e)).build();
    }

    /**
     * Resumes training that {@code POST .../pause} paused, or else updates that early stopping
     * paused (202); 409 when nothing is paused.
     */
    @POST
    @Path("/{id}/resume")
    public Response resume(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        if (e == null) {
            return elsewhere(id, "POST", uri, headers, "");
        }
        if (e.runner().resumeFromPause()) {
            return Response.accepted(ModelStatus.of(e)).build();
        }
        if (e.runner().spec().earlyStopping() == null) {
            return errors(Response.Status.CONFLICT, List.of("model " + id + " is not paused (and it has no early_stopping "
                    + "section, so its updates never pause by themselves)"));
        }
        if (!e.runner().requestResume()) {
            return errors(Response.Status.CONFLICT, List.of("model " + id + " is not paused"));
        }
        return Response.accepted(ModelStatus.of(e)).build();
    }

    private Response elsewhere(String id, String method, UriInfo uri, HttpHeaders headers, String body) {
        return OwnerForwarding.elsewhere(registry, id, method, uri, headers, body);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** An error answer: RFC 9457 problem details with the field errors in {@code errors} (see {@link Problem}). */
    static Response errors(Response.Status status, List<String> errors) {
        return Problem.response(status, errors);
    }

}
