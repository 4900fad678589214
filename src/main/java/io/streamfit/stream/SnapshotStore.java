package io.streamfit.stream;

import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

/**
 * The snapshot topic: compacted, keyed by model id, each value one safetensors snapshot, each
 * record carrying its version in the {@value #VERSION_HEADER} header. Large snapshots are handled
 * by configuring the topic ({@code max.message.bytes}) rather than by chunking, which would break
 * compaction's "latest value per key" meaning.
 */
public final class SnapshotStore {
    private static final Logger LOG = Logger.getLogger(SnapshotStore.class);
    /** Header with the snapshot's version, readable even when the value is corrupt. */
    public static final String VERSION_HEADER = "streamfit.snapshot.version";
    /** Header naming a snapshot's tag ({@code best}) on the records published under a tag key. */
    public static final String TAG_HEADER = "streamfit.snapshot.tag";
    /** How many of a model's newest snapshots a restore keeps as fallbacks while scanning. */
    private static final int FALLBACKS = 3;

    private final KafkaClients clients;
    private final String topic;
    private final Optional<Short> replicationFactor;
    private volatile int maxBytes;

    public SnapshotStore(KafkaClients clients, String topic, int maxBytes, Optional<Short> replicationFactor) {
        this.clients = clients;
        this.topic = topic;
        this.maxBytes = maxBytes;
        this.replicationFactor = replicationFactor;
    }

    /**
     * The record key of a model's best snapshot, {@code <id>/best}: a key of its own, so that
     * compaction keeps it next to the newest snapshot ({@code /} cannot occur in a model id).
     */
    public static String bestKey(String modelId) {
        return modelId + "/best";
    }

    /**
     * The record key of the snapshot a model committed last before a drift alarm,
     * {@code <id>/pre-drift} (the spec's {@code drift.tag_pre_drift}), written in the transaction
     * of the snapshot after the alarm.
     */
    public static String preDriftKey(String modelId) {
        return modelId + "/pre-drift";
    }

    /** The newest committed pre-drift snapshot of {@code modelId} ({@link #preDriftKey}), or null. */
    public byte[] preDrift(String modelId) {
        List<byte[]> newest = newest(preDriftKey(modelId));
        return newest.isEmpty() ? null : newest.get(0);
    }

    public String topic() {
        return topic;
    }

    /** The largest snapshot the topic accepts (the configured limit, or the topic's own if lower). */
    public int maxBytes() {
        return maxBytes;
    }

    /** Creates the snapshot topic if it does not exist; adopts an existing topic's lower size limit. */
    public void ensureTopic() throws InterruptedException {
        NewTopic t = new NewTopic(topic, Optional.of(1), replicationFactor).configs(Map.of(
                "cleanup.policy", "compact",
                "max.message.bytes", Integer.toString(maxBytes),
                "segment.ms", "3600000",
                "min.cleanable.dirty.ratio", "0.1"));
        if (clients.createTopicIfAbsent(t)) {
            LOG.infof("created snapshot topic %s (compacted, max.message.bytes=%d)", topic, maxBytes);
        } else {
            try (Admin admin = clients.admin()) {
                adoptTopicLimit(admin);
            }
        }
    }

    private void adoptTopicLimit(Admin admin) throws InterruptedException {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config c = admin.describeConfigs(List.of(r)).all().get().get(r);
            int limit = Integer.parseInt(c.get("max.message.bytes").value());
            if (limit < maxBytes) {
                LOG.warnf(
                        "snapshot topic %s accepts at most %d bytes (max.message.bytes), less than streamfit.snapshot.max-bytes=%d: "
                                + "models whose snapshots are larger are refused",
                        topic, limit, maxBytes);
                maxBytes = limit;
            }
        } catch (ExecutionException | RuntimeException e) {
            LOG.warnf("cannot read the configuration of snapshot topic %s: %s", topic, e.toString());
        }
    }

    /**
     * The outcome of a restore: the newest usable snapshot (or none) and the highest version the
     * topic holds for the model, which is higher than the restored one when newer snapshots were
     * unusable; the next version published must exceed it.
     */
    public record Restored(Optional<SnapshotCodec.Decoded> snapshot, byte[] bytes, long highestVersion) {}

    /**
     * The newest snapshot of {@code spec.id()} that decodes, reading committed records only. A
     * corrupt newest snapshot is reported and the previous good one is used.
     */
    public Restored latest(ModelSpec spec) {
        Scan scan = scan(spec.id());
        for (ConsumerRecord<String, byte[]> r : scan.newestFirst) {
            try {
                return new Restored(Optional.of(SnapshotCodec.decodeWithLineage(r.value(), spec)), r.value(),
                        scan.highestVersion);
            } catch (SnapshotFormatException e) {
                LOG.errorf("snapshot of model %s at %s offset %d is unusable, trying the previous one: %s",
                        spec.id(), topic, r.offset(), e.getMessage());
            }
        }
        if (scan.highestVersion > 0) {
            LOG.errorf("model %s has snapshots up to version %d but none of the newest %d is usable: starting fresh",
                    spec.id(), scan.highestVersion, FALLBACKS);
        }
        return new Restored(Optional.empty(), null, scan.highestVersion);
    }

    /**
     * The newest few committed snapshots of {@code modelId}, newest first, undecoded (a
     * pre-trained source for another model; each is checked when it is used).
     */
    public List<byte[]> newest(String modelId) {
        return scan(modelId).newestFirst.stream().map(ConsumerRecord::value).toList();
    }

    /** A best-tagged snapshot and its version. */
    public record Best(byte[] bytes, long version) {}

    /**
     * The newest committed best-tagged snapshot that belongs to the lineage {@code restored}
     * continues, or null: it decodes for this spec, is not newer than {@code restored}, and is the
     * one the restored early-stopping state tagged (same loss). A best left over from an earlier
     * architecture or an earlier spell of early stopping is not served; an unusable newest best
     * is reported and the previous one tried.
     */
    public Best best(ModelSpec spec, ModelState restored, long restoredVersion) {
        double tagged = restored.earlyStopping().taggedLoss();
        for (byte[] b : newest(bestKey(spec.id()))) {
            try {
                SnapshotCodec.Decoded d = SnapshotCodec.decodeWithLineage(b, spec);
                ModelState best = d.state();
                long version = d.lineage().version();
                if (version <= restoredVersion && best.earlyStopping() != null
                        && Double.compare(best.earlyStopping().taggedLoss(), tagged) == 0) {
                    return new Best(b, version);
                }
                LOG.infof("model %s: best snapshot version %d is not part of the restored lineage: not served",
                        spec.id(), version);
                return null;
            } catch (SnapshotFormatException e) {
                LOG.errorf("best snapshot of model %s is unusable, trying the previous one: %s", spec.id(), e.getMessage());
            }
        }
        return null;
    }

    /**
     * Tombstones a deleted model's snapshot keys (its newest, best and pre-drift), so a later model of the
     * same id starts fresh: restores ignore what precedes a tombstone, and compaction removes it.
     */
    public void forget(String modelId) throws InterruptedException {
        try (var producer = clients.plainProducer()) {
            for (String key : List.of(modelId, bestKey(modelId), preDriftKey(modelId))) {
                producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), null))
                        .get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("cannot tombstone the snapshots of " + modelId + " in " + topic + ": " + e.getMessage(), e);
        }
    }

    private record Scan(List<ConsumerRecord<String, byte[]>> newestFirst, long highestVersion) {}

    /**
     * Reads the topic once, keeping only the model's newest few snapshots (memory stays bounded)
     * written since its last tombstone ({@link #forget}).
     */
    private Scan scan(String modelId) {
        Deque<ConsumerRecord<String, byte[]>> newest = new ArrayDeque<>();
        long[] highest = {0};
        clients.readToEnd(topic, null, maxBytes + 1024 * 1024, Duration.ofMinutes(5), r -> {
            if (!modelId.equals(r.key())) {
                return;
            }
            if (r.value() == null) {
                // A deleted model's tombstone: what came before belongs to it, not to a later model of that id.
                newest.clear();
                highest[0] = 0;
                return;
            }
            highest[0] = Math.max(highest[0], version(r));
            newest.addFirst(r);
            if (newest.size() > FALLBACKS) {
                newest.removeLast();
            }
        });
        return new Scan(new ArrayList<>(newest), highest[0]);
    }

    private static long version(ConsumerRecord<String, byte[]> r) {
        Header h = r.headers().lastHeader(VERSION_HEADER);
        try {
            return h == null ? 0 : Long.parseLong(new String(h.value(), StandardCharsets.UTF_8));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
