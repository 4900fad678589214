package io.streamfit.stream;

import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * The snapshot topic: compacted, keyed by model id, each value one safetensors snapshot. Large
 * snapshots are handled by configuring the topic ({@code max.message.bytes}) rather than by
 * chunking, which would break compaction's "latest value per key" meaning.
 */
public final class SnapshotStore {
    private static final Logger LOG = Logger.getLogger(SnapshotStore.class);
    private final KafkaClients clients;
    private final String topic;
    private final int maxBytes;
    private final short replicationFactor;

    public SnapshotStore(KafkaClients clients, String topic, int maxBytes, short replicationFactor) {
        this.clients = clients;
        this.topic = topic;
        this.maxBytes = maxBytes;
        this.replicationFactor = replicationFactor;
    }

    public String topic() {
        return topic;
    }

    public int maxBytes() {
        return maxBytes;
    }

    /** Creates the snapshot topic if it does not exist. */
    public void ensureTopic() throws InterruptedException {
        try (Admin admin = clients.admin()) {
            NewTopic t = new NewTopic(topic, 1, replicationFactor).configs(Map.of(
                    "cleanup.policy", "compact",
                    "max.message.bytes", Integer.toString(maxBytes),
                    "segment.ms", "3600000",
                    "min.cleanable.dirty.ratio", "0.1"));
            admin.createTopics(List.of(t)).all().get();
            LOG.infof("created snapshot topic %s (compacted, max.message.bytes=%d)", topic, maxBytes);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create snapshot topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    /** A snapshot as read back from the topic. */
    public record Stored(ModelState state, byte[] bytes, long offset) {}

    /**
     * The newest snapshot of {@code spec.id()} that decodes, reading committed records only. A
     * corrupt newest snapshot is reported and the previous good one is used.
     */
    public Optional<Stored> latest(ModelSpec spec) {
        List<ConsumerRecord<String, byte[]>> mine = readAll(spec.id());
        for (int i = mine.size() - 1; i >= 0; i--) {
            ConsumerRecord<String, byte[]> r = mine.get(i);
            try {
                return Optional.of(new Stored(SnapshotCodec.decode(r.value(), spec), r.value(), r.offset()));
            } catch (SnapshotFormatException e) {
                LOG.errorf("snapshot of model %s at %s offset %d is unusable, trying the previous one: %s",
                        spec.id(), topic, r.offset(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** All committed snapshot records of one model, oldest first (tombstones skipped). */
    public List<ConsumerRecord<String, byte[]>> readAll(String modelId) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = clients.snapshotReader(maxBytes + 1024 * 1024)) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                return out;
            }
            List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading snapshot topic " + topic);
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (modelId.equals(r.key()) && r.value() != null) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }
}
