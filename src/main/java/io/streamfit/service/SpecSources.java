package io.streamfit.service;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.ModelOwnership;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.kafka.common.KafkaException;
import org.jboss.logging.Logger;

/**
 * Where the specs of the models come from, and the specs refused. Three sources:
 * <ul>
 *   <li><b>Declared</b>: the specs directory ({@link SpecDirectory}) and the demo's spec, the same
 *       on every instance, admitted under the model limit ({@link ModelLimit}); a file that does
 *       not parse, or a spec beyond the limit, is a rejected spec.</li>
 *   <li><b>{@code POST /models}</b> ({@link #create}): with ownership on, stored in the models
 *       topic, where the owner of its partition finds it; with it off, started here and written
 *       to the specs directory. Both first pass {@link #check}, as {@code POST /models/validate}
 *       does.</li>
 *   <li><b>The models topic</b> ({@link #startStored}): a stored spec the ownership thread reads
 *       from a partition this instance holds; one that does not parse is a rejected spec under
 *       {@code <topic>/<id>}.</li>
 * </ul>
 * Guarantees: with ownership on, an id the specs directory declares is neither created over HTTP
 * nor started from the models topic; of two {@code POST}s of one id through this instance one
 * wins; a spec that cannot start is a rejected spec with the reason, never an exception out of
 * start-up or the ownership thread.
 *
 * <p>Threads: {@link #declare} runs at start-up before any model starts. The ids being created
 * are guarded by the running models' lock ({@link RunningModels}), which {@link #create} takes
 * only around checks and starts: it reads and writes the models topic outside it (seconds, and
 * the ownership callbacks need that lock).
 */
final class SpecSources {
    private static final Logger LOG = Logger.getLogger(SpecSources.class);

    private final SpecDirectory directory;
    private final ModelLimit limit;
    private final RunningModels models;
    private final OwnershipGroup group;
    private final Map<String, String> rejected = new ConcurrentSkipListMap<>();
    /** Specs from the specs directory (and the demo): every instance knows all of them. */
    private final Map<String, ModelSpec> declared = new ConcurrentSkipListMap<>();
    /** Ids a POST is storing right now (two concurrent POSTs of one id on this instance: one wins). */
    private final Set<String> creating = new HashSet<>();

    SpecSources(SpecDirectory directory, ModelLimit limit, RunningModels models, OwnershipGroup group) {
        this.directory = directory;
        this.limit = limit;
        this.models = models;
        this.group = group;
    }

    SpecDirectory directory() {
        return directory;
    }

    /** The specs in the directory (a list the caller may add to); refused files become rejected specs. */
    List<ModelSpec> fromDirectory() throws IOException {
        return new ArrayList<>(directory.load(rejected));
    }

    /** Declares the specs within the model limit; the others become rejected specs. */
    void declare(List<ModelSpec> specs) {
        limit.admit(specs, rejected).forEach(s -> declared.put(s.id(), s));
    }

    Collection<ModelSpec> declared() {
        return declared.values();
    }

    boolean declares(String id) {
        return declared.containsKey(id);
    }

    /** Forgets a declared spec (ownership off: its model was deleted). */
    void forget(String id) {
        declared.remove(id);
    }

    /** The refused specs with the reason, by file, id, or {@code <topic>/<id>} for a stored one. */
    Map<String, String> rejected() {
        return rejected;
    }

    /** Starts every declared model here (ownership off). */
    void startDeclared() {
        declared.values().forEach(this::startOrReject);
    }

    /** Starts a model; when it cannot start, it is a rejected spec with the reason. */
    void startOrReject(ModelSpec s) {
        try {
            models.start(s);
        } catch (SpecException e) {
            rejected.put(s.id(), e.getMessage());
            LOG.errorf("model %s not started: %s", s.id(), e.getMessage());
        } catch (RuntimeException e) {
            rejected.put(s.id(), "could not start: " + e);
            LOG.errorf(e, "model %s not started", s.id());
        }
    }

    /** Every check a spec sent over the API must pass: see {@link ModelRegistry#check}. */
    void check(ModelSpec spec) {
        models.checkSnapshotSize(spec);
        models.pretrainedFiles().checkApiSpec(spec);
        StoredSpec.bytes(spec);
    }

    /**
     * Declares a model from {@code POST /models}. With ownership on, the spec is stored in the
     * models topic first (so it survives restarts and reaches whichever instance owns it) and
     * started here if this instance owns it; otherwise it is started here and written to the
     * specs directory when there is one.
     *
     * @throws SpecException if the model could not be snapshotted under the configured limits
     */
    ModelRegistry.Creation create(ModelSpec spec) throws InterruptedException {
        check(spec);
        ModelOwnership ownership = group.ownership();
        if (ownership == null) {
            synchronized (models) {
                limit.checkRoomFor(spec.id(), declared.keySet(), models.ids());
                if (!models.start(spec)) {
                    return ModelRegistry.Creation.DUPLICATE;
                }
                directory.persist(spec);
                return ModelRegistry.Creation.STARTED;
            }
        }
        synchronized (models) {
            ModelRegistry.Entry running = models.get(spec.id());
            if (declared.containsKey(spec.id()) || (running != null && !running.runner().terminated())
                    || !creating.add(spec.id())) {
                return ModelRegistry.Creation.DUPLICATE;
            }
        }
        // Reading and writing the models topic can take seconds: not under the lock the
        // ownership callbacks need.
        try {
            if (ownership.specsIn(ownership.partitionOf(spec.id())).containsKey(spec.id())) {
                return ModelRegistry.Creation.DUPLICATE;
            }
            // One check-and-store at a time on this instance, so its own POSTs never pass the
            // limit together (not the running models' lock: the ownership callbacks need that one).
            synchronized (limit) {
                limit.checkRoomFor(spec.id(), declared.keySet(), ownership.storedIds());
                ownership.publishSpec(spec.id(), StoredSpec.bytes(spec));
            }
            synchronized (models) {
                if (!ownership.owns(spec.id())) {
                    return ModelRegistry.Creation.STORED_FOR_OWNER;
                }
                // The ownership thread may have read the stored spec and started the model already.
                if (!models.start(spec) && models.shuttingDown()) {
                    throw new KafkaException("the spec of " + spec.id() + " is stored, but this instance is shutting down: "
                            + "the next owner of its partition starts it");
                }
                return ModelRegistry.Creation.STARTED;
            }
        } finally {
            synchronized (models) {
                creating.remove(spec.id());
            }
        }
    }

    /**
     * Starts the model of a spec stored in the models topic under {@code modelId} (on the
     * ownership thread, holding the running models' lock); one that does not parse, is stored
     * under another id, or names a pretrained file API specs may not read is a rejected spec.
     */
    void startStored(String modelId, byte[] value) {
        String topic = group.ownership().topic();
        try {
            ModelSpec spec = SpecParser.parse(new String(value, StandardCharsets.UTF_8));
            if (!spec.id().equals(modelId)) {
                throw new SpecException(List.of("stored under key \"" + modelId + "\" but its id is \"" + spec.id() + "\""));
            }
            models.pretrainedFiles().checkApiSpec(spec); // the models topic holds specs sent over the API
            startOrReject(spec);
        } catch (SpecException e) {
            rejected.put(topic + "/" + modelId, e.getMessage());
            LOG.errorf("spec of %s stored in %s rejected: %s", modelId, topic, e.getMessage());
        }
    }

    /** Forgets why a stored spec was rejected (a tombstone replaced it). */
    void forgetStored(String modelId) {
        rejected.remove(group.ownership().topic() + "/" + modelId);
    }

    /** Where specs created over HTTP are kept: "models topic", "specs directory" or "nowhere". */
    String store() {
        ModelOwnership ownership = group.ownership();
        return ownership != null ? "models topic " + ownership.topic() : directory.configured() ? "specs directory" : "nowhere";
    }
}
