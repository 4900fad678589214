package io.streamfit.api;

import io.streamfit.stream.ModelRunner;
import io.streamfit.stream.RunnerPhase;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * What the API says about a model by its phase, so that no answer claims more than is true: a
 * model that is starting or restoring is not yet serving (503 with {@code Retry-After}), a model
 * that stopped for good (failed, fenced, stopped) will not serve again without a restart (409,
 * naming the phase and its last error). A diverged model stopped training but keeps serving its
 * last good state, as the divergence guard promises.
 */
final class ModelPhases {
    /** Seconds a client should wait before asking again about a model that is starting. */
    static final int RETRY_AFTER_SECONDS = 1;

    private ModelPhases() {}

    /** Whether the model is on its way to running (starting or restoring). */
    static boolean starting(ModelRunner r) {
        return r.phase().starting();
    }

    /** Waits up to {@code millis} for the model to leave the starting and restoring phases; returns it. */
    static ModelRunner awaitStarted(ModelRunner r, long millis) {
        long until = System.nanoTime() + millis * 1_000_000;
        try {
            while (starting(r) && System.nanoTime() < until) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return r;
    }

    /** The refusal of a prediction from this model now, or null when it can predict. */
    static Response refusePredict(ModelRunner r) {
        String id = r.spec().id();
        String phase = r.phase().name().toLowerCase();
        if (r.phase() == RunnerPhase.DIVERGED && r.state() != null) {
            return null; // a diverged model serves its last good state (the phase is in its status)
        }
        if (r.terminated()) {
            String error = r.lastError();
            return ModelsResource.errors(Response.Status.CONFLICT,
                    List.of("model " + id + " is " + phase + " and predicts nothing"
                            + (error == null ? "" : ": " + error) + "; GET /models/" + id + " shows its status"));
        }
        if (r.state() == null) {
            return Response.fromResponse(ModelsResource.errors(Response.Status.SERVICE_UNAVAILABLE,
                    List.of("model " + id + " is " + phase + ": it predicts once it runs; retry in a moment")))
                    .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS).build();
        }
        return null;
    }
}
