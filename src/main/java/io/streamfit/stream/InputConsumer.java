package io.streamfit.stream;

import io.streamfit.snapshot.Position;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * A model's consumer of its input topic: polls, seeks to the lineage's positions, keeps its group
 * membership through long polls, and reports rebalances to the runner ({@link Rebalances}). It
 * never commits offsets itself: they are committed with the snapshots ({@link SnapshotLineage}).
 *
 * <p>Call order: {@link #subscribe} once, then everything on the training thread except
 * {@link #wakeup} and the getters; {@link #close} last.
 */
final class InputConsumer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(InputConsumer.class);

    /**
     * What a rebalance asks of the runner, called inside {@code poll} on the training thread; an
     * interrupt there is kept as the thread's interrupt status.
     */
    interface Rebalances {
        /** Before partitions are assigned: book the commit in flight, so that {@link #positions} are the committed ones. */
        void beforeAssigned() throws InterruptedException;

        /** The lineage's positions, to seek assigned partitions to. */
        Map<Integer, Position> positions();

        /** Before {@code partitions} are taken away: publish what they trained (their offsets can only be committed now). */
        void beforeRevoked(Collection<TopicPartition> partitions) throws InterruptedException;

        /** {@code partitions} were lost (another instance may own them already): never commit, roll back. */
        void lost(Collection<TopicPartition> partitions) throws InterruptedException;
    }

    private final String modelId;
    private final String topic;
    private final long keepAliveNanos;
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    /** When the consumer last polled; one poll's records may not take longer than a third of max.poll.interval.ms. */
    private long pollAtNanos;
    private volatile int revocations;
    private volatile long keepAlives;
    private volatile long lag;

    private long lagFromBrokerAtNanos = System.nanoTime() - 2_000_000_000L;

    InputConsumer(String modelId, String topic, long maxPollIntervalMs) {
        this.modelId = modelId;
        this.topic = topic;
        this.keepAliveNanos = maxPollIntervalMs * 1_000_000L / 3;
    }

    void subscribe(KafkaConsumer<byte[], byte[]> kafkaConsumer, Rebalances rebalances) {
        this.consumer = kafkaConsumer;
        consumer.subscribe(List.of(topic), new Listener(rebalances));
    }

    /** The next records, or null when {@link #wakeup} ended the poll. */
    ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        try {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
            pollAtNanos = System.nanoTime();
            return records;
        } catch (WakeupException e) {
            return null;
        }
    }

    /** Whether the records in hand have kept the consumer from polling for a third of {@code max.poll.interval.ms}. */
    boolean keepAliveDue() {
        return System.nanoTime() - pollAtNanos > keepAliveNanos;
    }

    /**
     * Backpressure for slow training: one poll returns up to 100 records of up to 65,536 examples
     * each, which a large model may need longer to train than {@code max.poll.interval.ms}
     * (after which the group would evict this consumer and rebalance). So every third of that
     * interval the loop pauses its partitions and polls without waiting: that keeps the
     * membership, fetches nothing new (nothing is buffered beyond the poll in hand), and returns
     * records only for partitions a rebalance just assigned, which are handed back by seeking to
     * their first offset. Returns whether a rebalance took partitions away meanwhile (their
     * progress was published by {@link Rebalances#beforeRevoked}): then the rest of the poll in
     * hand must not be trained.
     */
    boolean keepAlive() {
        int revocationsBefore = revocations;
        keepAlives++;
        pollHeld(Duration.ZERO); // woken by stop(): the loop ends after this poll's records, as it would have
        return revocations != revocationsBefore;
    }

    /**
     * A poll for a model its user paused: up to {@code timeout}, fetching nothing, as
     * {@link #keepAlive} does, so the group membership stays, the records stay in Kafka and the
     * lag grows. Returns false when {@link #wakeup} ended it.
     */
    boolean idle(Duration timeout) {
        return pollHeld(timeout);
    }

    /**
     * Polls with every assigned partition paused; records of partitions a rebalance assigned
     * meanwhile are handed back by seeking to their first offset. False when woken.
     */
    private boolean pollHeld(Duration timeout) {
        Set<TopicPartition> held = new HashSet<>(consumer.assignment());
        consumer.pause(held);
        try {
            ConsumerRecords<byte[], byte[]> early = consumer.poll(timeout);
            for (TopicPartition tp : early.partitions()) {
                consumer.seek(tp, early.records(tp).get(0).offset());
            }
            return true;
        } catch (WakeupException e) {
            return false;
        } finally {
            held.retainAll(consumer.assignment());
            consumer.resume(held);
            pollAtNanos = System.nanoTime();
        }
    }

    /** Seeks every assigned partition back to {@code positions} (after a rollback). */
    void seekAssigned(Map<Integer, Position> positions) {
        seek(assigned, positions);
    }

    /**
     * Seeks {@code partitions} to {@code positions}; partitions the lineage has never trained on
     * start from the group's committed offset if any, else from the beginning.
     */
    private void seek(Collection<TopicPartition> partitions, Map<Integer, Position> positions) {
        Set<TopicPartition> unknown = new HashSet<>();
        for (TopicPartition tp : partitions) {
            Position pos = positions.get(tp.partition());
            if (pos != null) {
                consumer.seek(tp, pos.offset());
            } else {
                unknown.add(tp);
            }
        }
        if (!unknown.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(unknown);
            for (TopicPartition tp : unknown) {
                OffsetAndMetadata om = committed.get(tp);
                if (om != null) {
                    consumer.seek(tp, om.offset());
                } else {
                    consumer.seekToBeginning(List.of(tp));
                }
            }
        }
    }

    /** Updates {@link #lag()} from the consumer's fetch positions; returns it. */
    long updateLag() {
        long total = 0;
        for (TopicPartition tp : assigned) {
            total += consumer.currentLag(tp).orElse(0);
        }
        lag = total;
        return total;
    }

    /**
     * Updates {@link #lag()} from the partitions' end offsets, asked of the broker (up to
     * {@code timeout}): while the partitions are paused the consumer fetches nothing, and its own
     * figure ({@link #updateLag}) stands still. At most once a second; on a timeout or a wakeup
     * the last figure stays.
     */
    long updateLagFromBroker(Duration timeout) {
        if (System.nanoTime() - lagFromBrokerAtNanos < 1_000_000_000L) {
            return lag;
        }
        lagFromBrokerAtNanos = System.nanoTime();
        try {
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, timeout);
            long total = 0;
            for (TopicPartition tp : assigned) {
                Long end = ends.get(tp);
                if (end != null) {
                    total += Math.max(0, end - consumer.position(tp, timeout));
                }
            }
            lag = total;
        } catch (KafkaException e) { // a WakeupException too
            // stop() woke the consumer (the loop ends), or the broker did not answer in time: keep the last figure
        }
        return lag;
    }

    /** The group metadata a snapshot's offsets are committed with. */
    ConsumerGroupMetadata groupMetadata() {
        return consumer.groupMetadata();
    }

    /** Ends a poll in progress (or the next one); from any thread. */
    void wakeup() {
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    Set<TopicPartition> assigned() {
        return Set.copyOf(assigned);
    }

    boolean holdsPartitions() {
        return !assigned.isEmpty();
    }

    long lag() {
        return lag;
    }

    /** Rebalances that took partitions from this consumer (revoked or lost). */
    int revocations() {
        return revocations;
    }

    /** Keep-alive polls made while training a long poll's records. */
    long keepAlives() {
        return keepAlives;
    }

    @Override
    public void close() {
        if (consumer != null) {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("consumer close", e);
            }
        }
        assigned.clear();
    }

    /** Seeks new partitions to the lineage's positions; lets the runner publish before partitions go. */
    private final class Listener implements ConsumerRebalanceListener {
        private final Rebalances rebalances;

        Listener(Rebalances rebalances) {
            this.rebalances = rebalances;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            try {
                rebalances.beforeAssigned();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            seek(partitions, rebalances.positions());
            assigned.addAll(partitions);
            LOG.infof("model %s assigned %s", modelId, partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                revocations++;
            }
            try {
                rebalances.beforeRevoked(partitions);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assigned.removeAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            revocations++;
            assigned.removeAll(partitions);
            try {
                rebalances.lost(partitions);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
