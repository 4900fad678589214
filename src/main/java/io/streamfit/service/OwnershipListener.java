package io.streamfit.service;

import io.streamfit.stream.ModelOwnership;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Starts and stops models as this instance's share of the models topic changes: the
 * {@link ModelOwnership.Listener} given to {@link OwnershipGroup#join}. Acquired partitions start
 * the declared specs that fall in them; released ones stop their models (after a final snapshot,
 * or abandoning them when the partitions were lost); a stored spec starts its model here
 * ({@link SpecSources#startStored}), a tombstone stops it and retires it
 * ({@link ModelDeletion#tombstoned}). A stored spec whose id the specs directory declares is
 * ignored.
 *
 * <p>Threads: called on the ownership thread only. Checks and starts hold the running models'
 * lock; waiting for models to stop happens outside it, and their entries stay registered until
 * they stopped, so no second runner of the same model starts here meanwhile. A failure with one
 * model or one stored spec is reported as a rejected spec and never escapes (it would end this
 * instance's membership, and the next owner would fail on the same record).
 */
final class OwnershipListener implements ModelOwnership.Listener {
    private static final Logger LOG = Logger.getLogger(OwnershipListener.class);

    private final RunningModels models;
    private final SpecSources specs;
    private final OwnershipGroup group;
    private final ModelDeletion deletion;

    OwnershipListener(RunningModels models, SpecSources specs, OwnershipGroup group, ModelDeletion deletion) {
        this.models = models;
        this.specs = specs;
        this.group = group;
        this.deletion = deletion;
    }

    @Override
    public void acquired(Set<Integer> partitions) {
        ModelOwnership ownership = group.ownership();
        synchronized (models) {
            specs.declared().stream().filter(s -> partitions.contains(ownership.partitionOf(s.id())))
                    .forEach(specs::startOrReject);
        }
    }

    @Override
    public void released(Set<Integer> partitions, boolean lost) {
        ModelOwnership ownership = group.ownership();
        List<ModelRegistry.Entry> leaving;
        synchronized (models) {
            leaving = models.all().stream()
                    .filter(e -> partitions.contains(ownership.partitionOf(e.runner().spec().id()))).toList();
        }
        models.stopAll(leaving, lost);
    }

    @Override
    public void specRecord(int partition, String modelId, byte[] value) {
        ModelRegistry.Entry stopping = null;
        synchronized (models) {
            if (specs.declares(modelId)) {
                LOG.warnf("a spec stored for %s in %s is ignored: the specs directory declares that id", modelId,
                        group.ownership().topic());
                return;
            }
            ModelRegistry.Entry running = models.get(modelId);
            if (value == null) {
                stopping = running;
            } else if (running == null || running.runner().terminated()) {
                specs.startStored(modelId, value);
            } // else: started by create() on this instance, or already read
        }
        if (value == null) {
            if (stopping != null) {
                models.stopAll(List.of(stopping), false);
            }
            specs.forgetStored(modelId);
            deletion.tombstoned(modelId);
        }
    }
}
