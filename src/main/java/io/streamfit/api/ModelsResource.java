package io.streamfit.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.service.ModelRegistry;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.ModelRunner;
import io.streamfit.train.ModelState;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.Optional;
import jakarta.ws.rs.core.Response;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.kafka.common.KafkaException;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;

/** The models API: list, status, specs, prediction, snapshots. Errors are JSON {@code {"errors": [...]}}. */
@Path("/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {
    static final int MAX_PREDICT_ROWS = 10_000;
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
            Map<String, Object> status = ModelStatus.of(e.runner());
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
                    theirs.path("rejected_specs").fields().forEachRemaining(f -> rejected.putIfAbsent(f.getKey(), f.getValue().asText()));
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

    /** Declares a model (YAML or JSON body), validated like a spec file; starts training it. */
    @POST
    @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    public Response create(String body) {
        ModelSpec spec;
        try {
            spec = SpecParser.parse(body == null ? "" : body);
        } catch (SpecException e) {
            return errors(Response.Status.BAD_REQUEST, e.errors());
        }
        ModelRegistry.Creation created;
        try {
            created = registry.create(spec);
        } catch (SpecException e) {
            return errors(Response.Status.BAD_REQUEST, e.errors());
        } catch (io.streamfit.service.ModelLimit.Exceeded e) {
            return errors(Response.Status.CONFLICT, List.of(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return errors(Response.Status.SERVICE_UNAVAILABLE, List.of("interrupted while storing the spec"));
        } catch (KafkaException e) {
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
                accepted.put("trained_by", "the instance that holds that partition (GET /cluster on each instance lists its partitions)");
                return Response.status(Response.Status.ACCEPTED).header("Location", "/models/" + spec.id()).entity(accepted).build();
            }
            default: {
                Map<String, Object> status = ModelStatus.of(registry.get(spec.id()).runner());
                status.put("stored_in", registry.specStore());
                return Response.status(Response.Status.CREATED).header("Location", "/models/" + spec.id()).entity(status).build();
            }
        }
    }

    /** Validates a spec without starting anything. */
    @POST
    @Path("/validate")
    @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    public Response validate(String body) {
        try {
            ModelSpec spec = SpecParser.parse(body == null ? "" : body);
            registry.pretrainedFiles().checkApiSpec(spec); // as POST /models would
            return Response.ok(Map.of("valid", true, "id", spec.id())).build();
        } catch (SpecException e) {
            return errors(Response.Status.BAD_REQUEST, e.errors());
        }
    }

    @GET
    @Path("/{id}")
    public Response status(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        return e == null ? elsewhere(id, "GET", uri, headers, null) : Response.ok(ModelStatus.of(e.runner())).build();
    }

    /** Deletes a model (see {@link ModelDeletions}); relayed to the instance that trains it. */
    @jakarta.ws.rs.DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        if (registry.get(id) == null && registry.forwardsRequests() && !OwnerForwarding.relayed(headers) && registry.ownerOf(id).isPresent()) {
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
     * Predicts on the current parameters. Body {@code {"x": [...]}} (one example) or
     * {@code {"x": [[...], ...]}} (several). Never sees a half-applied update.
     */
    @POST
    @Path("/{id}/predict")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response predict(@PathParam("id") String id, String body, @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        if (e == null) {
            return elsewhere(id, "POST", uri, headers, body == null ? "" : body);
        }
        ModelState state = e.runner().state();
        if (state == null) {
            return errors(Response.Status.SERVICE_UNAVAILABLE, List.of("model " + id + " is still restoring"));
        }
        ModelSpec spec = state.spec();
        float[][] rows;
        try {
            rows = PredictRequest.parse(JSON.readTree(body == null ? "" : body), spec.inputWidth(), MAX_PREDICT_ROWS);
        } catch (IllegalArgumentException | IOException ex) {
            return errors(Response.Status.BAD_REQUEST, List.of(ex.getMessage()));
        }
        ModelState.Prediction out = state.predict(Nd4j.create(rows));
        return Response.ok(PredictRequest.response(spec, state, out)).build();
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
            default -> {
                return errors(Response.Status.BAD_REQUEST, List.of("tag must be latest or best, got \"" + tag + "\""));
            }
        }
        if (bytes == null) {
            return errors(Response.Status.NOT_FOUND, List.of("model " + id + " has not published a " + tag + " snapshot yet"));
        }
        return Response.ok(bytes, MediaType.APPLICATION_OCTET_STREAM)
                .header("Content-Disposition", "attachment; filename=\"" + id + (tag.equals("best") ? "-best" : "") + ".safetensors\"")
                .build();
    }

    /** Resumes updates that early stopping paused (202), or says why there is nothing to resume (409). */
    @POST
    @Path("/{id}/resume")
    public Response resume(@PathParam("id") String id, @Context UriInfo uri, @Context HttpHeaders headers) {
        ModelRegistry.Entry e = registry.get(id);
        if (e == null) {
            return elsewhere(id, "POST", uri, headers, "");
        }
        if (e.runner().spec().earlyStopping() == null) {
            return errors(Response.Status.CONFLICT, List.of("model " + id + " has no early_stopping section: its updates never pause"));
        }
        if (!e.runner().requestResume()) {
            return errors(Response.Status.CONFLICT, List.of("model " + id + " is not paused"));
        }
        return Response.accepted(ModelStatus.of(e.runner())).build();
    }

    /**
     * A model this instance does not train: relayed to the instance that does (see
     * {@link OwnerForwarding}), or 404, naming that instance when there is one.
     */
    private Response elsewhere(String id, String method, UriInfo uri, HttpHeaders headers, String body) {
        Optional<ModelRegistry.Owner> owner = registry.ownerOf(id);
        if (owner.isPresent() && registry.forwardsRequests() && !OwnerForwarding.relayed(headers)) {
            try {
                return OwnerForwarding.forward(owner.get(), method, uri, headers, body);
            } catch (IOException | IllegalArgumentException e) {
                registry.forgetOwner(id);
                return OwnerForwarding.unreachable(owner.get(), e);
            }
        }
        String where = owner.map(o -> ": it is not trained by this instance; its partition is held by " + o).orElse("");
        return errors(Response.Status.NOT_FOUND, List.of("no model with id \"" + id + "\"" + where));
    }

    static Response errors(Response.Status status, List<String> errors) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("errors", errors)).build();
    }

}
