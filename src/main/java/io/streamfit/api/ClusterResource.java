package io.streamfit.api;

import io.streamfit.service.ModelRegistry;
import io.streamfit.stream.ModelOwnership;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which Kafka cluster this instance uses (in demo mode: the embedded broker's address, for kcat),
 * and which share of the models it trains.
 */
@Path("/cluster")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterResource {
    private final ModelRegistry registry;

    public ClusterResource(ModelRegistry registry) {
        this.registry = registry;
    }

    @GET
    public Map<String, Object> cluster() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bootstrap_servers", registry.bootstrapServers());
        out.put("embedded", registry.embeddedKafka());
        ModelOwnership o = registry.ownership();
        Map<String, Object> ownership = new LinkedHashMap<>();
        ownership.put("enabled", o != null);
        if (o != null) {
            ownership.put("topic", o.topic());
            ownership.put("group", o.groupId());
            ownership.put("partitions", o.partitions());
            ownership.put("owned_partitions", o.ownedPartitions());
            Exception failure = o.failure();
            if (failure != null) {
                ownership.put("error", String.valueOf(failure.getMessage()));
            }
        }
        out.put("ownership", ownership);
        return out;
    }
}
