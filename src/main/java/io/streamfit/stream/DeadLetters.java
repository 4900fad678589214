package io.streamfit.stream;

import io.streamfit.data.RejectedRecordException;
import io.streamfit.spec.ModelSpec;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.jboss.logging.Logger;

/**
 * A model's dead-letter topic: every record the decoder rejects goes there once per lineage, with
 * headers saying why and where it came from ({@link DeadLetterHeaders}), in the transaction of the
 * next snapshot ({@link SnapshotLineage#send}), so it appears exactly when the offsets that pass
 * it are committed. Records below the committed snapshot's {@code consumed} offsets were
 * dead-lettered by an earlier run and are not sent again. Used on the training thread only.
 */
final class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final ModelSpec spec;
    private final SnapshotLineage lineage;
    /** Per partition, the offset below which the lineage already dead-lettered what it rejected. */
    private Map<Integer, Long> sentBelow = Map.of();

    DeadLetters(ModelSpec spec, SnapshotLineage lineage) {
        this.spec = spec;
        this.lineage = lineage;
    }

    /** Created up front: a send to a missing topic would fail every transaction on clusters without auto-creation. */
    void ensureTopic(KafkaClients clients) throws InterruptedException {
        try {
            clients.createTopicIfAbsent(new NewTopic(spec.deadLetterTopic(), Optional.empty(), Optional.empty()));
        } catch (KafkaException e) {
            LOG.warnf("model %s: %s; dead-lettering will fail if the topic does not exist", spec.id(), e.getMessage());
        }
    }

    /** The lineage now continues from a state that consumed up to {@code consumed} (restore, rollback). */
    void resumeAt(Map<Integer, Long> consumed) {
        sentBelow = consumed;
    }

    /** Dead-letters {@code r} unless this lineage already did; a failed send is recovered from by the lineage (and re-read). */
    void send(ConsumerRecord<byte[], byte[]> r, RejectedRecordException e) throws InterruptedException {
        if (r.offset() < sentBelow.getOrDefault(r.partition(), 0L)) {
            return;
        }
        LOG.debugf("model %s rejected %s-%d@%d: %s", spec.id(), r.topic(), r.partition(), r.offset(), e.getMessage());
        lineage.send(DeadLetterHeaders.record(spec.deadLetterTopic(), spec.id(), r, e, SnapshotLineage.RECORD_OVERHEAD));
    }
}
