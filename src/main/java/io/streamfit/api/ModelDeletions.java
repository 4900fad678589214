package io.streamfit.api;

import io.streamfit.service.ModelDeletion;
import io.streamfit.service.ModelRegistry;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;

/**
 * The answer to {@code DELETE /models/{id}} on the instance that deletes it (see
 * {@link ModelDeletion} for what happens to the model, its snapshots, consumer group and
 * dead-letter topic): 200 deleted, 202 the instance that trains it deletes it, 404 unknown,
 * 409 declared in the specs directory, 503 the models topic could not be written.
 */
final class ModelDeletions {
    private ModelDeletions() {}

    static Response delete(ModelRegistry registry, String id) {
        ModelDeletion.Outcome outcome;
        try {
            outcome = registry.delete(id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ModelsResource.errors(Response.Status.SERVICE_UNAVAILABLE, List.of("interrupted while deleting model " + id));
        } catch (KafkaException e) {
            return ModelsResource.errors(Response.Status.SERVICE_UNAVAILABLE, List.of(e.getMessage()));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        switch (outcome) {
            case NOT_FOUND:
                return ModelsResource.errors(Response.Status.NOT_FOUND, List.of("no model with id \"" + id + "\""));
            case DECLARED:
                return ModelsResource.errors(Response.Status.CONFLICT, List.of("model " + id
                        + " is declared in the specs directory "
                        + "(streamfit.models-dir, e.g. a ConfigMap) and cannot be deleted over HTTP: remove its spec file there"));
            case STORED_FOR_OWNER:
                body.put("deleted", false);
                body.put("tombstone_stored_in", registry.specStore());
                body.put("stopped_by", "the instance that trains it, after a final snapshot");
                return Response.status(Response.Status.ACCEPTED).entity(body).build();
            default:
                body.put("deleted", true);
                body.put("snapshots", "tombstoned: a later model with this id starts fresh");
                body.put("consumer_group", "deleted");
                body.put("dead_letter_topic", "kept");
                return Response.ok(body).build();
        }
    }
}
