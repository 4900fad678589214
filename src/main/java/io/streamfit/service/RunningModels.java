package io.streamfit.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.streamfit.config.StreamfitConfig;
import io.streamfit.files.PretrainedFiles;
import io.streamfit.metrics.ModelMeters;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SearchModels;
import io.streamfit.spec.SpecException;
import io.streamfit.stream.ModelRunner;
import io.streamfit.stream.RunnerSettings;
import io.streamfit.stream.SnapshotStore;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import org.jboss.logging.Logger;

/**
 * The models running on this instance: one {@link ModelRunner} per id on its own thread
 * ({@code train-<id>}), with its meters, each an {@link ModelRegistry.Entry}. Owns the entries,
 * starting a runner (after the snapshot-size check, with the settings of the configuration),
 * stopping runners and waiting for them within a deadline, and the shutting-down flag. It does
 * not know where specs come from ({@link SpecSources}) or who owns which model
 * ({@link OwnershipGroup}).
 *
 * <p>Guarantees: at most one runner per id that has not stopped for good (a terminated one is
 * replaced when its model starts again); no runner starts once shutdown began; an entry stays
 * until its thread ended (or was abandoned at the deadline), so no second runner of the same
 * model starts here while the first one stops.
 *
 * <p>Threads: this object's monitor is the registry's lock. {@link #start} takes it, and whoever
 * checks and then starts (a {@code POST /models}, the ownership thread's callbacks) holds it
 * around both. {@link #stopAll} waits and must be called without it. The snapshot store is set
 * once at start-up ({@link #useStore}), before any model starts; the getters may be read from any
 * thread.
 */
final class RunningModels {
    private static final Logger LOG = Logger.getLogger(RunningModels.class);

    private final StreamfitConfig config;
    private final KafkaEndpoint kafka;
    private final MeterRegistry meterRegistry;
    private final Map<String, ModelRegistry.Entry> models = new ConcurrentSkipListMap<>();
    private volatile boolean shuttingDown;
    private SnapshotStore store;

    RunningModels(StreamfitConfig config, KafkaEndpoint kafka, MeterRegistry meterRegistry) {
        this.config = config;
        this.kafka = kafka;
        this.meterRegistry = meterRegistry;
    }

    /** The snapshot topic the runners restore from and commit to; set at start-up. */
    void useStore(SnapshotStore store) {
        this.store = store;
    }

    /**
     * Starts training a model; false if one with that id is running, or shutdown began. A model
     * that stopped for good (failed, fenced) is replaced.
     *
     * @throws SpecException if the model could not be snapshotted under the configured limits
     */
    synchronized boolean start(ModelSpec spec) {
        ModelRegistry.Entry existing = models.get(spec.id());
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
        models.put(spec.id(), new ModelRegistry.Entry(runner, t, meters, new ModelHistory()));
        t.start();
        return true;
    }

    /** Which {@code pretrained.file} sources may be read (streamfit.pretrained.*). */
    PretrainedFiles pretrainedFiles() {
        return new PretrainedFiles(config.pretrained().dir().map(Path::of),
                config.pretrained().allowApiFiles(), config.snapshot().maxBytes());
    }

    /** @throws SpecException if the model's snapshots would exceed the snapshot limit */
    void checkSnapshotSize(ModelSpec spec) {
        long estimate = spec.searches() ? SearchModels.estimatedSnapshotBytes(spec.search()) : spec.estimatedSnapshotBytes();
        if (estimate > store.maxBytes()) {
            throw new SpecException(List.of((spec.searches() ? "the search's live trials (" + SearchModels.liveModelsAtMost(
                    spec.search().search()) + " models at most, each in the snapshot)" : "layers") + " make snapshots of about "
                    + estimate
                    + " bytes, more than the snapshot limit of "
                    + store.maxBytes() + " bytes (streamfit.snapshot.max-bytes and the snapshot topic's max.message.bytes)"));
        }
    }

    Collection<ModelRegistry.Entry> all() {
        return models.values();
    }

    ModelRegistry.Entry get(String id) {
        return models.get(id);
    }

    /** The ids of the models here (a live view). */
    Set<String> ids() {
        return models.keySet();
    }

    /** From now on no model starts (readiness reports DOWN). */
    void shutDown() {
        shuttingDown = true;
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    /** {@link #stopAll(List, boolean, long)} within one shutdown budget from now. */
    void stopAll(List<ModelRegistry.Entry> entries, boolean abandon) {
        stopAll(entries, abandon, System.nanoTime() + config.shutdownBudget().toNanos());
    }

    /**
     * Stops models (with a final snapshot each, or abandoning them), waits for them until the
     * deadline, forgets them. Must not be called holding this object's lock: the wait can take
     * the whole shutdown budget. A model still running at the deadline is abandoned (it must not
     * commit after its partition moved on) and logged.
     */
    void stopAll(List<ModelRegistry.Entry> entries, boolean abandon, long deadline) {
        entries.forEach(e -> {
            if (abandon) {
                e.runner().abandon();
            } else {
                e.runner().stop();
            }
        });
        for (ModelRegistry.Entry e : entries) {
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

    /** Waits for {@code t} until the deadline (at least 1 ms); keeps an interrupt. */
    static void join(Thread t, long deadline) {
        try {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }
}
