package io.streamfit.service;

import io.streamfit.config.StreamfitConfig;
import io.streamfit.stream.ModelOwnership;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * This instance in the ownership group, and the other instances it sees there. Owns the
 * {@link ModelOwnership} coordinator and its thread ({@code model-ownership}): joining the group
 * at start-up, under a client id that carries this instance's name, advertised host and HTTP port
 * ({@link ModelRegistry.Owner}), and leaving it at shutdown; and the lookups the REST layer makes
 * for models trained elsewhere: which instance owns a model (cached 5 s per partition), the
 * peers, and whether requests are relayed to them.
 *
 * <p>With ownership off nothing is joined: {@link #ownership} stays null, the owner and the peers
 * are empty, nothing is relayed. Threads: {@link #join} runs once on start-up and {@link #leave}
 * at shutdown; the lookups run on request threads and ask the brokers for the group's
 * description, bounded by 3 s (an answer that does not come is an empty one).
 */
final class OwnershipGroup {
    private static final Logger LOG = Logger.getLogger(OwnershipGroup.class);
    private static final long OWNER_TTL_NANOS = 5_000_000_000L;

    private final StreamfitConfig config;
    private final KafkaEndpoint kafka;
    /** Owners looked up in the last few seconds, by partition: requests for remote models would otherwise each describe the group. */
    private final Map<Integer, CachedOwner> owners = new ConcurrentHashMap<>();
    private ModelOwnership ownership;
    private Thread ownershipThread;

    private record CachedOwner(ModelRegistry.Owner owner, long at) {}

    OwnershipGroup(StreamfitConfig config, KafkaEndpoint kafka) {
        this.config = config;
        this.kafka = kafka;
    }

    /**
     * Joins the ownership group; start-up waits (up to a minute) for the first assignment, so a
     * single instance starts with all its models.
     */
    void join(int partitions, ModelOwnership.Listener listener) throws InterruptedException {
        StreamfitConfig.Ownership o = config.ownership();
        ownership = new ModelOwnership(kafka.clients(), o.topic(), config.groupPrefix() + "owners",
                ModelRegistry.Owner.clientId(name(), o.advertisedHost().orElse(""), httpPort()), partitions, listener);
        ownershipThread = new Thread(ownership, "model-ownership");
        ownershipThread.start();
        if (!ownership.awaitFirstAssignment(Duration.ofMinutes(1))) {
            LOG.warnf("no assignment from ownership group %s within a minute: models start when it comes", ownership.groupId());
        }
        // Joining a group that has members, the first cooperative round assigns nothing and the
        // partitions come a round later: wait a little for them, so "started" means restored.
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ownership.ownedPartitions().isEmpty() && ownership.failure() == null && System.nanoTime() < until) {
            Thread.sleep(100);
        }
    }

    /** Leaves the group (when joined) and waits for the ownership thread until the deadline. */
    void leave(long deadline) {
        if (ownership != null) {
            ownership.close();
            RunningModels.join(ownershipThread, deadline);
        }
    }

    /** The ownership coordinator, or null when ownership is off. */
    ModelOwnership ownership() {
        return ownership;
    }

    /** Whether the ownership group failed for good (this instance then trains nothing); null when fine. */
    Exception failure() {
        return ownership == null ? null : ownership.failure();
    }

    /** This instance's name in the ownership group (null when ownership is off). */
    String instanceName() {
        return ownership == null ? null : name();
    }

    private String name() {
        return config.ownership().instanceName().orElseGet(OwnershipGroup::hostName);
    }

    private static String hostName() {
        String h = System.getenv("HOSTNAME"); // the pod name on Kubernetes
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static int httpPort() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
    }

    /**
     * Which other instance holds the partition of {@code modelId}, from the ownership group's
     * description (cached 5 s); empty when ownership is off, this instance holds it, or the group
     * cannot be described within 3 s.
     */
    Optional<ModelRegistry.Owner> ownerOf(String modelId) {
        if (ownership == null || ownership.owns(modelId)) {
            return Optional.empty();
        }
        int partition = ownership.partitionOf(modelId);
        CachedOwner cached = owners.get(partition);
        if (cached != null && System.nanoTime() - cached.at() < OWNER_TTL_NANOS) {
            return Optional.of(cached.owner());
        }
        TopicPartition tp = new TopicPartition(ownership.topic(), partition);
        Optional<ModelRegistry.Owner> owner = members().stream().filter(m -> m.assignment().topicPartitions().contains(tp))
                .findFirst().flatMap(m -> ModelRegistry.Owner.of(m.clientId(), m.host()));
        owner.ifPresent(o -> owners.put(partition, new CachedOwner(o, System.nanoTime())));
        return owner;
    }

    /** Forgets a looked-up owner that did not answer: the partition may have moved. */
    void forgetOwner(String modelId) {
        if (ownership != null) {
            owners.remove(ownership.partitionOf(modelId));
        }
    }

    /**
     * The other instances in the ownership group now, from its description; empty when
     * ownership is off or the group cannot be described within 3 s.
     */
    List<ModelRegistry.Owner> peers() {
        if (ownership == null) {
            return List.of();
        }
        String self = instanceName();
        return members().stream().map(m -> ModelRegistry.Owner.of(m.clientId(), m.host())).flatMap(Optional::stream)
                .filter(o -> !o.name().equals(self)).toList();
    }

    /** The group's members now; empty when it cannot be described within 3 s. */
    private List<MemberDescription> members() {
        try {
            return List.copyOf(kafka.admin().describeConsumerGroups(List.of(ownership.groupId()))
                    .describedGroups().get(ownership.groupId()).get(3, TimeUnit.SECONDS).members());
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Whether requests for models trained elsewhere are relayed to their owner (never with API keys but no cluster secret). */
    boolean forwardsRequests() {
        return ownership != null && config.ownership().forwardRequests() && RelayPolicy.relayAllowed(config);
    }
}
