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
import io.streamfit.stream.ModelRunner;
import io.streamfit.stream.SnapshotStore;
import io.streamfit.train.NativeThreads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The models this instance trains: loaded from the specs directory at start-up, added through
 * {@code POST /models}, each run by a {@link ModelRunner} on its own thread.
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
    private SnapshotStore store;
    private DemoStream demo;
    private volatile boolean started;

    /** A running model: its runner, thread and meters. */
    public record Entry(ModelRunner runner, Thread thread, ModelMeters meters) {}

    public ModelRegistry(StreamfitConfig config, KafkaEndpoint kafka, MeterRegistry meterRegistry) {
        this.config = config;
        this.kafka = kafka;
        this.meterRegistry = meterRegistry;
    }

    void onStart(@Observes StartupEvent event) throws Exception {
        NativeThreads.configure(config.training().blasThreads());
        store = new SnapshotStore(kafka.clients(), config.snapshot().topic(), config.snapshot().maxBytes(),
                config.snapshot().replicationFactor());
        store.ensureTopic();
        List<ModelSpec> specs = new ArrayList<>(loadSpecDir());
        boolean demoOn = config.demo().enabled().orElse(kafka.embedded());
        if (demoOn) {
            demo = DemoStream.create(config.demo(), kafka.clients());
            if (specs.stream().noneMatch(s -> s.id().equals(demo.spec().id()))) {
                specs.add(demo.spec());
            }
            demo.start();
        }
        for (ModelSpec s : specs) {
            try {
                start(s);
            } catch (SpecException e) {
                rejectedSpecs.put(s.id(), e.getMessage());
                LOG.errorf("model %s not started: %s", s.id(), e.getMessage());
            }
        }
        started = true;
    }

    private List<ModelSpec> loadSpecDir() throws IOException {
        List<ModelSpec> specs = new ArrayList<>();
        if (config.modelsDir().isEmpty()) {
            return specs;
        }
        Path dir = Path.of(config.modelsDir().get());
        if (!Files.isDirectory(dir)) {
            LOG.warnf("streamfit.models-dir %s is not a directory: no models loaded from it", dir);
            return specs;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (!(name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"))) {
                    continue;
                }
                try {
                    ModelSpec spec = SpecParser.parse(Files.readString(f, StandardCharsets.UTF_8));
                    if (specs.stream().anyMatch(s -> s.id().equals(spec.id()))) {
                        throw new SpecException(List.of("id \"" + spec.id() + "\" is declared by another file too"));
                    }
                    specs.add(spec);
                } catch (SpecException e) {
                    rejectedSpecs.put(f.toString(), e.getMessage());
                    LOG.errorf("spec %s rejected: %s", f, e.getMessage());
                }
            }
        }
        LOG.infof("loaded %d model spec(s) from %s", specs.size(), dir);
        return specs;
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
        long estimate = spec.estimatedSnapshotBytes();
        if (estimate > store.maxBytes()) {
            throw new SpecException(List.of("layers make snapshots of about " + estimate + " bytes, more than the snapshot limit of "
                    + store.maxBytes() + " bytes (streamfit.snapshot.max-bytes and the snapshot topic's max.message.bytes)"));
        }
        ModelMeters meters = new ModelMeters(meterRegistry, spec.id());
        ModelRunner runner = new ModelRunner(spec, kafka.clients(), store, meters, new ModelRunner.Settings(
                config.groupPrefix(), config.training().pollTimeout(), config.training().progressInterval(),
                config.training().maxTransactionOpen()));
        Thread t = new Thread(runner, "train-" + spec.id());
        models.put(spec.id(), new Entry(runner, t, meters));
        t.start();
        return true;
    }

    /**
     * Writes a spec accepted over HTTP into the specs directory, so it survives a restart.
     * Returns false (and logs why) when there is no writable directory.
     */
    public boolean persist(ModelSpec spec) {
        if (config.modelsDir().isEmpty()) {
            return false;
        }
        try {
            write(spec);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("model %s runs but its spec could not be written to %s (%s): it will not survive a restart",
                    spec.id(), config.modelsDir().get(), e.toString());
            return false;
        }
    }

    private void write(ModelSpec spec) throws IOException {
        Path dir = Path.of(config.modelsDir().get());
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + spec.id() + ".json.tmp");
        Files.writeString(tmp, SpecParser.toJson(spec), StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(spec.id() + ".json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
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

    void onStop(@Observes ShutdownEvent event) {
        shuttingDown = true;
        if (demo != null) {
            demo.close();
        }
        models.values().forEach(e -> e.runner().stop());
        // One budget for all models (they stop in parallel), inside the pod's grace period.
        long deadline = System.nanoTime() + config.shutdownBudget().toNanos();
        for (Entry e : models.values()) {
            try {
                e.thread().join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            if (e.thread().isAlive()) {
                LOG.warnf("model %s did not finish its final snapshot within the shutdown budget", e.runner().spec().id());
            }
            e.meters().close();
        }
        models.clear();
    }
}
