package io.streamfit.api;

import io.streamfit.service.ModelRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** Which Kafka cluster this instance uses (in demo mode: the embedded broker's address, for kcat). */
@Path("/cluster")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterResource {
    private final ModelRegistry registry;

    public ClusterResource(ModelRegistry registry) {
        this.registry = registry;
    }

    @GET
    public Map<String, Object> cluster() {
        return Map.of("bootstrap_servers", registry.bootstrapServers(), "embedded", registry.embeddedKafka());
    }
}
