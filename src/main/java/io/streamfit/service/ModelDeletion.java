package io.streamfit.service;

import io.streamfit.stream.ModelOwnership;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Deleting a model ({@code DELETE /models/{id}}).
 * <ul>
 *   <li>A model declared in the specs directory (with ownership on: a ConfigMap, the same on
 *       every instance) cannot be deleted over HTTP: {@link Outcome#DECLARED}. Remove its file.</li>
 *   <li>Ownership on: a tombstone is stored for its spec in the models topic. The owner stops the
 *       model after a final snapshot when it reads the tombstone, then retires it
 *       ({@link ModelRetirement}). No instance starts it again: a new owner acts only on an id's
 *       newest record. When this instance is the owner, the call returns once the model stopped
 *       and was retired ({@link Outcome#DELETED}); else once the tombstone is stored
 *       ({@link Outcome#STORED_FOR_OWNER}).</li>
 *   <li>Ownership off: the model stops after a final snapshot, the spec file {@code create} wrote
 *       ({@code <models-dir>/<id>.json}) is removed, and it is retired. A spec from any other file
 *       of the directory, or one the service cannot remove, is {@link Outcome#DECLARED}.</li>
 * </ul>
 */
public final class ModelDeletion {
    private static final Logger LOG = Logger.getLogger(ModelDeletion.class);

    /** What a delete did. */
    public enum Outcome {
        /** Stopped (after a final snapshot) and retired on this instance; forgotten everywhere. */
        DELETED,
        /** The tombstone is stored; the instance that trains the model stops and retires it. */
        STORED_FOR_OWNER,
        /** No such model. */
        NOT_FOUND,
        /** Declared in the specs directory: not deletable over HTTP. */
        DECLARED
    }

    private final ModelRegistry registry;
    private final ModelRetirement retirement;
    private final SpecDirectory specsDir;
    private final Duration wait;
    /** Deletes waiting on this instance for the ownership thread to stop and retire their model. */
    private final Map<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

    ModelDeletion(ModelRegistry registry, ModelRetirement retirement, SpecDirectory specsDir, Duration stopBudget) {
        this.registry = registry;
        this.retirement = retirement;
        this.specsDir = specsDir;
        this.wait = stopBudget.plusSeconds(30);
    }

    Outcome delete(String id) throws InterruptedException {
        ModelOwnership ownership = registry.ownership();
        return ownership == null ? deleteLocal(id) : deleteStored(ownership, id);
    }

    private Outcome deleteStored(ModelOwnership ownership, String id) throws InterruptedException {
        if (registry.declares(id)) {
            return Outcome.DECLARED;
        }
        if (!ownership.specsIn(ownership.partitionOf(id)).containsKey(id)) {
            return Outcome.NOT_FOUND;
        }
        CompletableFuture<Void> done = waiting.computeIfAbsent(id, k -> new CompletableFuture<>());
        try {
            ownership.removeSpec(id);
            if (!ownership.owns(id)) {
                return Outcome.STORED_FOR_OWNER;
            }
            done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return Outcome.DELETED;
        } catch (TimeoutException | ExecutionException e) {
            LOG.warnf("model %s: tombstone stored, but it did not stop within %s here", id, wait);
            return Outcome.STORED_FOR_OWNER;
        } finally {
            waiting.remove(id, done);
        }
    }

    /** Called on the ownership thread once a tombstone's model stopped here (or was not running). */
    void tombstoned(String id) {
        try {
            retirement.retire(id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.errorf("model %s stopped, but retiring it failed (the next owner retries): %s", id, e.getMessage());
        }
        CompletableFuture<Void> done = waiting.get(id);
        if (done != null) {
            done.complete(null);
        }
    }

    private Outcome deleteLocal(String id) throws InterruptedException {
        ModelRegistry.Entry entry = registry.get(id);
        if (entry == null) {
            return Outcome.NOT_FOUND;
        }
        Optional<Path> file = specsDir.fileOf(id);
        boolean removable = file.isPresent() && Files.isRegularFile(file.get()) && Files.isWritable(file.get().getParent());
        if (registry.declares(id) && !removable) {
            return Outcome.DECLARED;
        }
        registry.stopAndForget(entry);
        if (file.isPresent()) {
            try {
                Files.deleteIfExists(file.get());
            } catch (IOException e) {
                LOG.errorf("model %s stopped, but its spec file %s could not be removed (it starts again on restart): %s", id,
                        file.get(), e);
            }
        }
        retirement.retire(id);
        return Outcome.DELETED;
    }
}
