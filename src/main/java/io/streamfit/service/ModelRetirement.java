package io.streamfit.service;

import io.streamfit.stream.SnapshotStore;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.jboss.logging.Logger;

/**
 * What a deleted model leaves behind, once it stopped after its final snapshot:
 * <ul>
 *   <li><b>Snapshots</b>: tombstoned ({@link SnapshotStore#forget}), so a later model of the same id
 *       (maybe another architecture) starts fresh instead of restoring them; compaction then
 *       removes them. Download a snapshot before deleting the model if it is still wanted.</li>
 *   <li><b>Consumer group</b> ({@code <group-prefix><id>}): deleted, so its committed offsets
 *       and lag stop showing in tools and in KEDA. Training positions live in the snapshots, so
 *       nothing depends on them.</li>
 *   <li><b>Dead-letter topic</b>: kept. It holds the records the model refused, the evidence a
 *       user needs, and its name may be shared or configured; it is bounded by its retention
 *       (the broker's default, 7 days). Delete it with Kafka's tools if it is no longer wanted.</li>
 * </ul>
 * Every step may run again (after a crash, the next owner reads the tombstone and retires the
 * model once more) without harm.
 */
final class ModelRetirement {
    private static final Logger LOG = Logger.getLogger(ModelRetirement.class);
    private final KafkaEndpoint kafka;
    private final SnapshotStore store;
    private final String groupPrefix;

    ModelRetirement(KafkaEndpoint kafka, SnapshotStore store, String groupPrefix) {
        this.kafka = kafka;
        this.store = store;
        this.groupPrefix = groupPrefix;
    }

    void retire(String modelId) throws InterruptedException {
        store.forget(modelId);
        String group = groupPrefix + modelId;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try {
                kafka.admin().deleteConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS);
                break;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    break;
                }
                if (!(e.getCause() instanceof GroupNotEmptyException) || System.nanoTime() > deadline) {
                    LOG.warnf("model %s deleted, but its consumer group %s was not: %s", modelId, group,
                            e.getCause().getMessage());
                    break;
                }
                Thread.sleep(300); // the stopped model's consumer is still leaving
            } catch (TimeoutException e) {
                LOG.warnf("model %s deleted, but deleting its consumer group %s timed out", modelId, group);
                break;
            }
        }
        LOG.infof("model %s deleted: snapshots tombstoned in %s, consumer group %s removed; its dead-letter topic is kept",
                modelId, store.topic(), group);
    }
}
