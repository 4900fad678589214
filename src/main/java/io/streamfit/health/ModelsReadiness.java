package io.streamfit.health;

import io.streamfit.service.ModelRegistry;
import io.streamfit.stream.ModelRunner;
import io.streamfit.stream.RunnerPhase;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when start-up finished and every model that is still running is restored, holds
 * partitions and has no failing snapshot transaction. A model that stopped for good (failed,
 * fenced) does not take the whole instance out of service: it is listed here with its phase, in
 * {@code GET /models} with its last error, and can be declared again. A model that stopped
 * because training diverged does: its input or its configuration needs a person, and a pod
 * that is not ready is the signal Kubernetes and its alerts are built around.
 */
@Readiness
@ApplicationScoped
public class ModelsReadiness implements HealthCheck {
    private final ModelRegistry registry;

    public ModelsReadiness(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("models");
        boolean up = registry.started() && !registry.shuttingDown();
        Exception ownership = registry.ownershipFailure();
        if (ownership != null) {
            // This instance left the ownership group for good: it trains nothing until restarted.
            b.withData("ownership", "failed: " + ownership.getMessage());
            up = false;
        }
        for (ModelRegistry.Entry e : registry.all()) {
            ModelRunner r = e.runner();
            b.withData(r.spec().id(), r.phase().name().toLowerCase() + (r.ready() ? ", ready" : ", not ready"));
            up &= r.ready() || (r.terminated() && r.phase() != RunnerPhase.DIVERGED);
        }
        return b.status(up).build();
    }
}
