package io.streamfit.health;

import io.streamfit.service.ModelRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Startup;

/**
 * Started (Kubernetes' startup probe, {@code /q/health/started}) once the instance joined its
 * ownership group and every model it owns has restored its snapshot. Restoring large snapshots
 * can take a while; the startup probe gives it that time before liveness and readiness apply.
 * A model that failed is started too: readiness and status report it.
 */
@Startup
@ApplicationScoped
public class ModelsStarted implements HealthCheck {
    private final ModelRegistry registry;

    public ModelsStarted(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("models-restored");
        boolean up = registry.started();
        Exception ownership = registry.ownershipFailure();
        if (ownership != null) {
            // Without its ownership group the instance can never train: let the startup probe restart it.
            b.withData("ownership", "failed: " + ownership.getMessage());
            up = false;
        }
        for (ModelRegistry.Entry e : registry.all()) {
            boolean restored = !e.runner().phase().starting();
            b.withData(e.runner().spec().id(), restored ? "restored" : "restoring");
            up &= restored;
        }
        return b.status(up).build();
    }
}
