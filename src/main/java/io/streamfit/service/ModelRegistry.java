package io.streamfit.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.streamfit.config.StreamfitConfig;
import io.streamfit.demo.DemoStream;
import io.streamfit.files.PretrainedFiles;
import io.streamfit.metrics.ModelMeters;
import io.streamfit.metrics.ProcessMeters;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.stream.KafkaClients;
import io.streamfit.stream.ModelOwnership;
import io.streamfit.stream.ModelRunner;
import io.streamfit.stream.SnapshotStore;
import io.streamfit.train.BlasLibrary;
import io.streamfit.train.NativeThreads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
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
 *
 * <p>This is the bean the REST layer and the health checks use, and it does start-up and
 * shutdown; the rest it hands on: {@link RunningModels} (the runner threads: starting, stopping,
 * waiting for them), {@link SpecSources} (the declared, created, stored and rejected specs),
 * {@link OwnershipGroup} (membership of the ownership group, owners and peers) with
 * {@link OwnershipListener} (what a change of this instance's share does), and
 * {@link ModelDeletion}.
 */
@ApplicationScoped
public class ModelRegistry {
    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

    private final StreamfitConfig config;
    private final KafkaEndpoint kafka;
    private final RunningModels models;
    private final IdleLag idleLag;
    private final HistorySampler history;
    private final OwnershipGroup group;
    private final SpecSources specs;
    private DemoStream demo;
    private volatile boolean started;
    private ModelDeletion deletion;

    /** A running model: its runner, thread, meters and the last hour of its curves. */
    public record Entry(ModelRunner runner, Thread thread, ModelMeters meters, ModelHistory history) {}

    /** What {@link #create} did with a spec. */
    public enum Creation {
        /** This instance trains it now. */
        STARTED,
        /** Stored in the models topic; the instance that owns its partition will train it. */
        STORED_FOR_OWNER,
        /** A model with that id exists already. */
        DUPLICATE
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
                        host.isEmpty() ? brokerSeenHost.replaceFirst("^/", "") : host,
                        Integer.parseInt(clientId.substring(colon + 1))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        @Override
        public String toString() {
            return "instance " + name + " (" + host + ":" + port + ")";
        }
    }

    public ModelRegistry(StreamfitConfig config, KafkaEndpoint kafka, MeterRegistry meterRegistry) {
        this.config = config;
        this.kafka = kafka;
        this.models = new RunningModels(config, kafka, meterRegistry);
        this.idleLag = new IdleLag(models, kafka, config.groupPrefix(), config.training().idleLagInterval());
        this.history = new HistorySampler(models);
        ProcessMeters.bind(meterRegistry);
        this.group = new OwnershipGroup(config, kafka);
        this.specs = new SpecSources(new SpecDirectory(config.modelsDir().map(Path::of)), new ModelLimit(config.maxModels()),
                models, group);
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
        LOG.infof("BLAS: %s, %d thread(s) per model", BlasLibrary.loaded(), config.training().blasThreads());
        List<ModelSpec> declared = specs.fromDirectory();
        if (config.demo().enabled().orElse(!KafkaEndpoint.externalConfigured())) { // by default with the embedded broker
            demo = DemoStream.create(config.demo(), kafka::clients);
            if (declared.stream().noneMatch(s -> s.id().equals(demo.spec().id()))) {
                declared.add(demo.spec());
            }
        }
        SnapshotStore store = new SnapshotStore(StartupSteps.await(clients), config.snapshot().topic(),
                config.snapshot().maxBytes(),
                config.snapshot().replicationFactor());
        models.useStore(store);
        StartupSteps.fork("admin", kafka::admin); // the readiness probe's client, connecting meanwhile
        Future<Object> snapshots = StartupSteps.fork("snapshot-topic", () -> {
            store.ensureTopic();
            return null;
        });
        Future<Object> demoTopic = demo == null ? null : StartupSteps.fork("demo-topic", () -> {
            demo.start();
            return null;
        });
        Future<Integer> modelsTopic = config.ownership().enabled() ? StartupSteps.fork("models-topic",
                () -> ModelOwnership.ensureTopic(kafka.clients(), config.ownership().topic(), config.ownership().partitions(),
                        config.snapshot().replicationFactor()))
                : null;
        StartupSteps.await(snapshots);
        StartupSteps.await(demoTopic);
        deletion = new ModelDeletion(this, new ModelRetirement(kafka, store, config.groupPrefix()), specs.directory(),
                config.shutdownBudget());
        specs.declare(declared);
        if (config.ownership().enabled()) {
            group.join(StartupSteps.await(modelsTopic), new OwnershipListener(models, specs, group, deletion));
        } else {
            specs.startDeclared();
        }
        idleLag.start();
        history.start();
        started = true;
    }

    void onStop(@Observes ShutdownEvent event) {
        models.shutDown();
        idleLag.close();
        history.close();
        if (demo != null) {
            demo.close();
        }
        // One budget for everything (models stop in parallel), inside the pod's grace period.
        long deadline = System.nanoTime() + config.shutdownBudget().toNanos();
        models.stopAll(List.copyOf(models.all()), false, deadline);
        // Only now leave the ownership group: the next owners restore the final snapshots.
        group.leave(deadline);
    }

    /**
     * Declares a model from {@code POST /models}: see {@link SpecSources#create}.
     *
     * @throws SpecException if the model could not be snapshotted under the configured limits
     */
    public Creation create(ModelSpec spec) throws InterruptedException {
        return specs.create(spec);
    }

    /** Deletes a model: see {@link ModelDeletion}. */
    public ModelDeletion.Outcome delete(String id) throws InterruptedException {
        return deletion.delete(id);
    }

    boolean declares(String id) {
        return specs.declares(id);
    }

    /** Stops a model after a final snapshot and forgets it (ownership off: a deleted model). */
    void stopAndForget(Entry e) {
        models.stopAll(List.of(e), false);
        specs.forget(e.runner().spec().id());
    }

    /** Where specs created over HTTP are kept: "models topic", "specs directory" or "nowhere". */
    public String specStore() {
        return specs.store();
    }

    /** Which other instance trains {@code modelId}: see {@link OwnershipGroup#ownerOf}. */
    public Optional<Owner> ownerOf(String modelId) {
        return group.ownerOf(modelId);
    }

    /** This instance's name in the ownership group (null when ownership is off). */
    public String instanceName() {
        return group.instanceName();
    }

    /** The other instances in the ownership group now: see {@link OwnershipGroup#peers}. */
    public List<Owner> peers() {
        return group.peers();
    }

    /** Forgets a looked-up owner that did not answer: the partition may have moved. */
    public void forgetOwner(String modelId) {
        group.forgetOwner(modelId);
    }

    /** Whether requests for models trained elsewhere are relayed to their owner (never with API keys but no cluster secret). */
    public boolean forwardsRequests() {
        return group.forwardsRequests();
    }

    /** The ownership coordinator, or null when ownership is off. */
    public ModelOwnership ownership() {
        return group.ownership();
    }

    /**
     * Starts training a model; false if one with that id is running. A model that stopped for
     * good (failed, fenced) is replaced.
     *
     * @throws SpecException if the model could not be snapshotted under the configured limits
     */
    public boolean start(ModelSpec spec) {
        return models.start(spec);
    }

    /** Which {@code pretrained.file} sources may be read (streamfit.pretrained.*). */
    public PretrainedFiles pretrainedFiles() {
        return models.pretrainedFiles();
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
        specs.check(spec);
    }

    public Collection<Entry> all() {
        return models.all();
    }

    public Entry get(String id) {
        return models.get(id);
    }

    public Map<String, String> rejectedSpecs() {
        return specs.rejected();
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
        return models.shuttingDown();
    }

    /** Whether the ownership group failed for good (this instance then trains nothing); null when fine. */
    public Exception ownershipFailure() {
        return group.failure();
    }
}
