package io.streamfit.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.streamfit.config.StreamfitConfig;
import io.streamfit.demo.DemoStream;
import io.streamfit.metrics.ModelMeters;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.KafkaClients;
import io.streamfit.stream.ModelOwnership;
import io.streamfit.stream.ModelRunner;
import io.streamfit.stream.RunnerSettings;
import io.streamfit.stream.SnapshotStore;
import io.streamfit.train.NativeThreads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The models this instance trains, each run by a {@link ModelRunner} on its own thread.
 *
 * <p>Models are declared in the specs directory (the same on every instance, e.g. a ConfigMap)
 * or through {@code POST /models}. With ownership on (the default), the instances share them out
 * through {@link ModelOwnership}: this one trains the models whose partition of the models topic
 * it holds, and specs created over HTTP are stored in that topic, where their owner finds them.
 * With ownership off, this instance trains every model it knows, and HTTP specs are written to
 * the specs directory.
 */
@ApplicationScoped
public class ModelRegistry {
    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

    private final StreamfitConfig config;
    private volatile boolean shuttingDown;
    private final KafkaEndpoint kafka;
    private final MeterRegistry meterRegistry;
    private final Map<String, Entry> models = new ConcurrentSkipListMap<>();
    private final Map<String, String> rejectedSpecs = new ConcurrentSkipListMap<>();
    /** Specs from the specs directory (and the demo): every instance knows all of them. */
    private final Map<String, ModelSpec> declared = new ConcurrentSkipListMap<>();
    private ModelOwnership ownership;
    /** Ids a POST is storing right now (two concurrent POSTs of one id on this instance: one wins). */
    private final Set<String> creating = new java.util.HashSet<>();
    private Thread ownershipThread;
    private SnapshotStore store;
    private DemoStream demo;
    private volatile boolean started;
    private ModelDeletion deletion;
    private final ModelLimit limit;
    private final SpecDirectory specDir;

    /** A running model: its runner, thread and meters. */
    public record Entry(ModelRunner runner, Thread thread, ModelMeters meters) {}

    /** What {@link #create} did with a spec. */
    public enum Creation {
        /** This instance trains it now. */
        STARTED,
        /** Stored in the models topic; the instance that owns its partition will train it. */
        STORED_FOR_OWNER,
        /** A model with that id exists already. */
        DUPLICATE
    }

    public ModelRegistry(StreamfitConfig config, KafkaEndpoint kafka, MeterRegistry meterRegistry) {
        this.config = config;
        this.kafka = kafka;
        this.meterRegistry = meterRegistry;
        this.limit = new ModelLimit(config.maxModels());
        this.specDir = new SpecDirectory(config.modelsDir().map(Path::of));
    }

    void onStart(@Observes StartupEvent event) throws Exception {
        try {
            startUp();
        } catch (Exception e) {
            throw kafka.explain(e);
        }
    }

    /**
     * Independent steps run at once ({@link StartupSteps}): the broker with the native libraries
     * and the demo's data, then the topics with each other. Ready still waits for all of them.
     */
    private void startUp() throws Exception {
        Future<KafkaClients> clients = StartupSteps.fork("kafka", kafka::clients);
        NativeThreads.configure(config.training().blasThreads());
        LOG.infof("BLAS: %s, %d thread(s) per model", io.streamfit.train.BlasLibrary.loaded(), config.training().blasThreads());
        List<ModelSpec> specs = new ArrayList<>(specDir.load(rejectedSpecs));
        if (config.demo().enabled().orElse(!KafkaEndpoint.externalConfigured())) { // by default with the embedded broker
            demo = DemoStream.create(config.demo(), kafka::clients);
            if (specs.stream().noneMatch(s -> s.id().equals(demo.spec().id()))) {
                specs.add(demo.spec());
            }
        }
        store = new SnapshotStore(StartupSteps.await(clients), config.snapshot().topic(), config.snapshot().maxBytes(),
                config.snapshot().replicationFactor());
        StartupSteps.fork("admin", kafka::admin); // the readiness probe's client, connecting meanwhile
        Future<Object> snapshots = StartupSteps.fork("snapshot-topic", () -> { store.ensureTopic(); return null; });
        Future<Object> demoTopic = demo == null ? null : StartupSteps.fork("demo-topic", () -> { demo.start(); return null; });
        Future<Integer> modelsTopic = config.ownership().enabled() ? StartupSteps.fork("models-topic",
                () -> ModelOwnership.ensureTopic(kafka.clients(), config.ownership().topic(), config.ownership().partitions(),
                        config.snapshot().replicationFactor())) : null;
        StartupSteps.await(snapshots);
        StartupSteps.await(demoTopic);
        deletion = new ModelDeletion(this, new ModelRetirement(kafka, store, config.groupPrefix()), specDir,
                config.shutdownBudget());
        limit.admit(specs, rejectedSpecs).forEach(s -> declared.put(s.id(), s));
        if (config.ownership().enabled()) {
            joinOwnership(StartupSteps.await(modelsTopic));
        } else {
            declared.values().forEach(this::startOrReject);
        }
        started = true;
    }

    /**
     * Joins the ownership group; start-up waits (up to a minute) for the first assignment, so a
     * single instance starts with all its models.
     */
    private void joinOwnership(int partitions) throws InterruptedException {
        StreamfitConfig.Ownership o = config.ownership();
        ownership = new ModelOwnership(kafka.clients(), o.topic(), config.groupPrefix() + "owners", Owner.clientId(o.instanceName().orElseGet(ModelRegistry::hostName), o.advertisedHost().orElse(""), httpPort()),
                partitions, new Ownership());
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

    private static String hostName() {
        String h = System.getenv("HOSTNAME"); // the pod name on Kubernetes
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void startOrReject(ModelSpec s) {
        try {
            start(s);
        } catch (SpecException e) {
            rejectedSpecs.put(s.id(), e.getMessage());
            LOG.errorf("model %s not started: %s", s.id(), e.getMessage());
        } catch (RuntimeException e) {
            rejectedSpecs.put(s.id(), "could not start: " + e);
            LOG.errorf(e, "model %s not started", s.id());
        }
    }

    /**
     * Declares a model from {@code POST /models}. With ownership on, the spec is stored in the
     * models topic first (so it survives restarts and reaches whichever instance owns it) and
     * started here if this instance owns it; otherwise it is started here and written to the
     * specs directory when there is one.
     *
     * @throws SpecException if the model could not be snapshotted under the configured limits
     */
    public Creation create(ModelSpec spec) throws InterruptedException {
        if (ownership == null) {
            check(spec);
            synchronized (this) {
                limit.checkRoomFor(spec.id(), declared.keySet(), models.keySet());
                if (!start(spec)) {
                    return Creation.DUPLICATE;
                }
                specDir.persist(spec);
                return Creation.STARTED;
            }
        }
        check(spec);
        synchronized (this) {
            Entry running = models.get(spec.id());
            if (declared.containsKey(spec.id()) || (running != null && !running.runner().terminated()) || !creating.add(spec.id())) {
                return Creation.DUPLICATE;
            }
        }
        // Reading and writing the models topic can take seconds: not under the lock the
        // ownership callbacks need.
        try {
            if (ownership.specsIn(ownership.partitionOf(spec.id())).containsKey(spec.id())) {
                return Creation.DUPLICATE;
            }
            // One check-and-store at a time on this instance, so its own POSTs never pass the
            // limit together (not the registry's lock: the ownership callbacks need that one).
            synchronized (limit) {
                limit.checkRoomFor(spec.id(), declared.keySet(), ownership.storedIds());
                ownership.publishSpec(spec.id(), StoredSpec.bytes(spec));
            }
            synchronized (this) {
                if (!ownership.owns(spec.id())) {
                    return Creation.STORED_FOR_OWNER;
                }
                // The ownership thread may have read the stored spec and started the model already.
                if (!start(spec) && shuttingDown) {
                    throw new KafkaException("the spec of " + spec.id() + " is stored, but this instance is shutting down: "
                            + "the next owner of its partition starts it");
                }
                return Creation.STARTED;
            }
        } finally {
            synchronized (this) {
                creating.remove(spec.id());
            }
        }
    }

    /** Deletes a model: see {@link ModelDeletion}. */
    public ModelDeletion.Outcome delete(String id) throws InterruptedException {
        return deletion.delete(id);
    }

    boolean declares(String id) {
        return declared.containsKey(id);
    }

    /** Stops a model after a final snapshot and forgets it (ownership off: a deleted model). */
    void stopAndForget(Entry e) {
        stopAll(List.of(e), false, System.nanoTime() + config.shutdownBudget().toNanos());
        declared.remove(e.runner().spec().id());
    }

    /** Where specs created over HTTP are kept: "models topic", "specs directory" or "nowhere". */
    public String specStore() {
        return ownership != null ? "models topic " + ownership.topic() : specDir.configured() ? "specs directory" : "nowhere";
    }

    /**
     * Another instance, as its ownership client id describes it: {@code
     * streamfit-owner-<name>@<advertised host>:<http port>}, the host empty when not configured
     * (then the address the brokers see it connect from stands in).
     */
    public record Owner(String name, String host, int port) {
        private static final String PREFIX = "streamfit-owner-";

        static String clientId(String name, String advertisedHost, int httpPort) {
            return PREFIX + name + "@" + advertisedHost + ":" + httpPort;
        }

        static Optional<Owner> of(String clientId, String brokerSeenHost) {
            int at = clientId.lastIndexOf('@');
            int colon = clientId.lastIndexOf(':');
            if (!clientId.startsWith(PREFIX) || at < 0 || colon < at) {
                return Optional.empty();
            }
            try {
                String host = clientId.substring(at + 1, colon);
                return Optional.of(new Owner(clientId.substring(PREFIX.length(), at),
                        host.isEmpty() ? brokerSeenHost.replaceFirst("^/", "") : host, Integer.parseInt(clientId.substring(colon + 1))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        @Override
        public String toString() {
            return "instance " + name + " (" + host + ":" + port + ")";
        }
    }

    private static int httpPort() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig().getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
    }

    /** Owners looked up in the last few seconds, by partition: requests for remote models would otherwise each describe the group. */
    private final Map<Integer, CachedOwner> owners = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long OWNER_TTL_NANOS = 5_000_000_000L;

    private record CachedOwner(Owner owner, long at) {}

    /**
     * Which other instance holds the partition of {@code modelId}, from the ownership group's
     * description (cached 5 s); empty when ownership is off, this instance holds it, or the group
     * cannot be described within 3 s.
     */
    public Optional<Owner> ownerOf(String modelId) {
        if (ownership == null || ownership.owns(modelId)) {
            return Optional.empty();
        }
        int partition = ownership.partitionOf(modelId);
        CachedOwner cached = owners.get(partition);
        if (cached != null && System.nanoTime() - cached.at() < OWNER_TTL_NANOS) {
            return Optional.of(cached.owner());
        }
        TopicPartition tp = new TopicPartition(ownership.topic(), partition);
        Optional<Owner> owner = ownershipMembers().stream().filter(m -> m.assignment().topicPartitions().contains(tp))
                .findFirst().flatMap(m -> Owner.of(m.clientId(), m.host()));
        owner.ifPresent(o -> owners.put(partition, new CachedOwner(o, System.nanoTime())));
        return owner;
    }

    /** The ownership group's members now; empty when it cannot be described within 3 s. */
    private List<MemberDescription> ownershipMembers() {
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

    /** This instance's name in the ownership group (null when ownership is off). */
    public String instanceName() {
        return ownership == null ? null : config.ownership().instanceName().orElseGet(ModelRegistry::hostName);
    }

    /**
     * The other instances in the ownership group now, from its description; empty when
     * ownership is off or the group cannot be described within 3 s.
     */
    public List<Owner> peers() {
        if (ownership == null) {
            return List.of();
        }
        String self = instanceName();
        return ownershipMembers().stream().map(m -> Owner.of(m.clientId(), m.host())).flatMap(Optional::stream)
                .filter(o -> !o.name().equals(self)).toList();
    }

    /** Forgets a looked-up owner that did not answer: the partition may have moved. */
    public void forgetOwner(String modelId) {
        if (ownership != null) {
            owners.remove(ownership.partitionOf(modelId));
        }
    }

    /** Whether requests for models trained elsewhere are relayed to their owner (never with API keys but no cluster secret). */
    public boolean forwardsRequests() {
        return ownership != null && config.ownership().forwardRequests() && RelayPolicy.relayAllowed(config);
    }

    /** The ownership coordinator, or null when ownership is off. */
    public ModelOwnership ownership() {
        return ownership;
    }

    /**
     * Starts training a model; false if one with that id is running. A model that stopped for
     * good (failed, fenced) is replaced.
     *
     * @throws SpecException if the model could not be snapshotted under the configured limits
     */
    public synchronized boolean start(ModelSpec spec) {
        Entry existing = models.get(spec.id());
        if (existing != null) {
            if (!existing.runner().terminated()) {
                return false;
            }
            existing.meters().close();
            models.remove(spec.id());
        }
        if (shuttingDown) {
            return false;
        }
        checkSnapshotSize(spec);
        ModelMeters meters = new ModelMeters(meterRegistry, spec.id());
        ModelRunner runner = new ModelRunner(spec, kafka.clients(), store, meters, new RunnerSettings(
                config.groupPrefix(), config.training().pollTimeout(), config.training().progressInterval(),
                config.training().maxTransactionOpen(), pretrainedFiles(),
                config.training().decodeAhead() ? Math.max(0, config.training().decodeAheadBytes()) : 0));
        Thread t = new Thread(runner, "train-" + spec.id());
        models.put(spec.id(), new Entry(runner, t, meters));
        t.start();
        return true;
    }

    /** Which {@code pretrained.file} sources may be read (streamfit.pretrained.*). */
    public io.streamfit.files.PretrainedFiles pretrainedFiles() {
        return new io.streamfit.files.PretrainedFiles(config.pretrained().dir().map(Path::of),
                config.pretrained().allowApiFiles(), config.snapshot().maxBytes());
    }

    /**
     * Every check a valid spec sent over the API must pass before it is stored and started,
     * shared by {@code POST /models/validate} and {@code POST /models} so that they always agree.
     *
     * @throws SpecException if its snapshots would exceed the snapshot limit, or it names a
     *     pretrained file that API specs may not read
     * @throws SpecTooLargeException if its stored form would not fit (see {@link StoredSpec})
     */
    public void check(ModelSpec spec) {
        checkSnapshotSize(spec);
        pretrainedFiles().checkApiSpec(spec);
        StoredSpec.bytes(spec);
    }

    private void checkSnapshotSize(ModelSpec spec) {
        long estimate = spec.estimatedSnapshotBytes();
        if (estimate > store.maxBytes()) {
            throw new SpecException(List.of("layers make snapshots of about " + estimate + " bytes, more than the snapshot limit of "
                    + store.maxBytes() + " bytes (streamfit.snapshot.max-bytes and the snapshot topic's max.message.bytes)"));
        }
    }

    public Collection<Entry> all() {
        return models.values();
    }

    public Entry get(String id) {
        return models.get(id);
    }

    public Map<String, String> rejectedSpecs() {
        return rejectedSpecs;
    }

    public boolean started() {
        return started;
    }

    public String bootstrapServers() {
        return kafka.clients().bootstrapServers();
    }

    public boolean embeddedKafka() {
        return kafka.embedded();
    }

    /** Whether the service is shutting down (readiness reports DOWN from then on). */
    public boolean shuttingDown() {
        return shuttingDown;
    }

    /** Whether the ownership group failed for good (this instance then trains nothing); null when fine. */
    public Exception ownershipFailure() {
        return ownership == null ? null : ownership.failure();
    }

    void onStop(@Observes ShutdownEvent event) {
        shuttingDown = true;
        if (demo != null) {
            demo.close();
        }
        // One budget for everything (models stop in parallel), inside the pod's grace period.
        long deadline = System.nanoTime() + config.shutdownBudget().toNanos();
        stopAll(List.copyOf(models.values()), false, deadline);
        // Only now leave the ownership group: the next owners restore the final snapshots.
        if (ownership != null) {
            ownership.close();
            join(ownershipThread, deadline);
        }
    }

    /**
     * Stops models (with a final snapshot each, or abandoning them), waits for them until the
     * deadline, forgets them. Must not be called holding the registry's lock: the wait can take
     * the whole shutdown budget. A model still running at the deadline is abandoned (it must not
     * commit after its partition moved on) and logged.
     */
    private void stopAll(List<Entry> entries, boolean abandon, long deadline) {
        entries.forEach(e -> {
            if (abandon) {
                e.runner().abandon();
            } else {
                e.runner().stop();
            }
        });
        for (Entry e : entries) {
            join(e.thread(), deadline);
            if (e.thread().isAlive()) {
                LOG.errorf("model %s did not stop within the budget%s: abandoning it", e.runner().spec().id(),
                        abandon ? "" : ", so no final snapshot");
                e.runner().abandon();
            }
            e.meters().close();
            models.remove(e.runner().spec().id(), e);
        }
    }

    private static void join(Thread t, long deadline) {
        try {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts and stops models as this instance's share of the models topic changes. Called on
     * the ownership thread; a failure with one model or one stored spec is reported as a rejected
     * spec and never escapes (it would end this instance's membership, and the next owner would
     * fail on the same record).
     */
    private final class Ownership implements ModelOwnership.Listener {
        @Override
        public void acquired(Set<Integer> partitions) {
            synchronized (ModelRegistry.this) {
                declared.values().stream().filter(s -> partitions.contains(ownership.partitionOf(s.id())))
                        .forEach(ModelRegistry.this::startOrReject);
            }
        }

        @Override
        public void released(Set<Integer> partitions, boolean lost) {
            List<Entry> leaving;
            synchronized (ModelRegistry.this) {
                leaving = models.values().stream()
                        .filter(e -> partitions.contains(ownership.partitionOf(e.runner().spec().id()))).toList();
            }
            // Waited for outside the lock; the entries stay registered until they stopped, so no
            // second runner of the same model can start here meanwhile.
            stopAll(leaving, lost, System.nanoTime() + config.shutdownBudget().toNanos());
        }

        @Override
        public void specRecord(int partition, String modelId, byte[] value) {
            Entry stopping = null;
            synchronized (ModelRegistry.this) {
                if (declared.containsKey(modelId)) {
                    LOG.warnf("a spec stored for %s in %s is ignored: the specs directory declares that id", modelId, ownership.topic());
                    return;
                }
                Entry running = models.get(modelId);
                if (value == null) {
                    stopping = running;
                } else if (running == null || running.runner().terminated()) {
                    try {
                        ModelSpec spec = SpecParser.parse(new String(value, StandardCharsets.UTF_8));
                        if (!spec.id().equals(modelId)) {
                            throw new SpecException(List.of("stored under key \"" + modelId + "\" but its id is \"" + spec.id() + "\""));
                        }
                        pretrainedFiles().checkApiSpec(spec); // the models topic holds specs sent over the API
                        startOrReject(spec);
                    } catch (SpecException e) {
                        rejectedSpecs.put(ownership.topic() + "/" + modelId, e.getMessage());
                        LOG.errorf("spec of %s stored in %s rejected: %s", modelId, ownership.topic(), e.getMessage());
                    }
                } // else: started by create() on this instance, or already read
            }
            if (value == null) {
                if (stopping != null) {
                    stopAll(List.of(stopping), false, System.nanoTime() + config.shutdownBudget().toNanos());
                }
                rejectedSpecs.remove(ownership.topic() + "/" + modelId);
                deletion.tombstoned(modelId);
            }
        }
    }
}
