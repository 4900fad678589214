package io.streamfit.stream;

import io.streamfit.spec.SpecParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.utils.Utils;
import org.jboss.logging.Logger;

/**
 * Which models this instance trains when several instances share the work.
 *
 * <p>Every model id maps to one partition of the <em>models topic</em> (murmur2 of the id, as
 * Kafka's default partitioner places a keyed record). The instances form one consumer group on
 * that topic with the cooperative-sticky assignor, and an instance trains exactly the models whose
 * partitions it holds. Scale-up, scale-down and failure are ordinary rebalances:
 * <ul>
 *   <li><b>Revoked</b> (an orderly rebalance, or this instance shutting down): the listener stops
 *       those models, each committing a final snapshot, before the callback returns. The
 *       cooperative protocol gives a revoked partition to its next owner only after the
 *       revocation completed, so the next owner restores exactly what was committed and no
 *       example is trained twice or skipped.</li>
 *   <li><b>Lost</b> (this instance's membership expired: it stalled, or was cut off): nothing is
 *       committed; the models are abandoned. Another instance may own them already, and if this
 *       one still trains as a zombie, the new owner's {@code initTransactions} fences it.</li>
 * </ul>
 *
 * <p>The topic also stores the specs of models created over HTTP, keyed by model id, in that
 * model's partition (compacted: the newest spec of each id survives). An instance reads its
 * partitions from the beginning whenever it is assigned them, so a new owner learns those specs
 * too. The group never commits offsets.
 *
 * <p>Threads: {@link #run()} owns the consumer, and every {@link Listener} call comes from it.
 * {@link #owns}, {@link #partitionOf}, {@link #publishSpec} and {@link #specsIn} may be called
 * from any thread.
 */
public final class ModelOwnership implements Runnable {
    private static final Logger LOG = Logger.getLogger(ModelOwnership.class);
    /** A stored spec record is at most a spec (what the fetches of the models topic must hold). */
    private static final int MAX_SPEC_BYTES = SpecParser.MAX_SPEC_BYTES;

    /** What the registry does when partitions (and with them models) come and go. */
    public interface Listener {
        /**
         * Partitions newly assigned to this instance; may be empty (the first round of a
         * cooperative rebalance). Specs stored in them follow through {@link #specRecord}.
         */
        void acquired(Set<Integer> partitions);

        /**
         * Partitions taken from this instance. Returns once their models stopped: after a
         * final snapshot each when {@code lost} is false, committing nothing when it is true.
         */
        void released(Set<Integer> partitions, boolean lost);

        /** A stored spec (null: a tombstone) read from a partition this instance holds. */
        void specRecord(int partition, String modelId, byte[] spec);
    }

    private final KafkaClients clients;
    private final String topic;
    private final String groupId;
    private final String clientId;
    private final Listener listener;
    private final int partitions;
    private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    private final CountDownLatch firstAssignment = new CountDownLatch(1);
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean closing;
    private volatile Exception failure;
    private KafkaProducer<byte[], byte[]> specProducer;
    private final SpecReplay replay = new SpecReplay();
    private boolean producerClosed;

    /**
     * @param partitions the models topic's partition count (read from the broker: a topic
     *     created earlier with another count keeps its own)
     */
    public ModelOwnership(KafkaClients clients, String topic, String groupId, String clientId, int partitions,
            Listener listener) {
        if (partitions < 1) {
            throw new IllegalArgumentException("the models topic needs at least one partition");
        }
        this.clients = clients;
        this.topic = topic;
        this.groupId = groupId;
        this.clientId = clientId;
        this.partitions = partitions;
        this.listener = listener;
    }

    /**
     * Creates the models topic (compacted, {@code partitions} partitions) unless it exists, and
     * returns its partition count: {@code partitions} if this call created it (no metadata round
     * to wait for: that wait, up to half a second, was part of every fresh start), else the
     * existing topic's own.
     */
    public static int ensureTopic(KafkaClients clients, String topic, int partitions, Optional<Short> replicationFactor)
            throws InterruptedException {
        boolean created = clients.createTopicIfAbsent(new NewTopic(topic, Optional.of(partitions),
                replicationFactor).configs(
                        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                                TopicConfig.CLEANUP_POLICY_COMPACT)));
        return created ? partitions : partitionCount(clients, topic);
    }

    /** The models topic's partition count, from the broker. */
    public static int partitionCount(KafkaClients clients, String topic) throws InterruptedException {
        try (KafkaConsumer<String, byte[]> c = clients.committedReader(MAX_SPEC_BYTES)) {
            // Just after the topic was created, a broker's metadata may not list it yet.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos != null && !infos.isEmpty()) {
                    return infos.size();
                }
                if (System.nanoTime() > deadline) {
                    throw new KafkaException("models topic " + topic + " has no partitions (does it exist?)");
                }
                Thread.sleep(500);
            }
        }
    }

    /** The partition that decides which instance trains {@code modelId}. */
    public int partitionOf(String modelId) {
        return partitionOf(modelId, partitions);
    }

    /** The partition of {@code modelId} in a models topic of {@code partitions} partitions. */
    public static int partitionOf(String modelId, int partitions) {
        return Utils.toPositive(Utils.murmur2(modelId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    public boolean owns(String modelId) {
        return owned.contains(partitionOf(modelId));
    }

    /** The partitions this instance holds now, sorted. */
    public Set<Integer> ownedPartitions() {
        return new TreeSet<>(owned);
    }

    public int partitions() {
        return partitions;
    }

    public String topic() {
        return topic;
    }

    public String groupId() {
        return groupId;
    }

    /** The consumer stopped on an error: this instance trains nothing until it restarts. */
    public Exception failure() {
        return failure;
    }

    /** Waits until this instance joined the group once (its first assignment may be empty). */
    public boolean awaitFirstAssignment(Duration timeout) throws InterruptedException {
        return firstAssignment.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stores a spec (its JSON; null: a tombstone) in the model's partition and waits until the
     * broker has it; the owner, this instance or another, reads it there and starts (or stops)
     * the model.
     */
    public synchronized void publishSpec(String modelId, byte[] spec) throws InterruptedException {
        if (producerClosed) {
            throw new KafkaException("cannot store the spec of " + modelId + ": this instance is shutting down");
        }
        if (specProducer == null) {
            specProducer = clients.plainProducer();
        }
        try {
            specProducer.send(new ProducerRecord<>(topic, partitionOf(modelId), bytes(modelId), spec)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new KafkaException("cannot store the spec of " + modelId + " in " + topic + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("cannot store the spec of " + modelId + " in " + topic + " within 30 s", e);
        }
    }

    /** Stores a tombstone for the model's spec: its owner stops it, and no instance starts it again. */
    public void removeSpec(String modelId) throws InterruptedException {
        publishSpec(modelId, null);
    }

    /** The ids of every spec stored in the topic now (all partitions, tombstones removed). */
    public Set<String> storedIds() {
        Set<String> ids = new HashSet<>();
        clients.readToEnd(topic, null, MAX_SPEC_BYTES, Duration.ofSeconds(30), r -> {
            if (r.value() == null) {
                ids.remove(r.key());
            } else if (r.key() != null) {
                ids.add(r.key());
            }
        });
        return ids;
    }

    /**
     * The specs stored in one partition now (newest per id, tombstones removed), read end to
     * end without joining the group: lets any instance tell whether an id is taken.
     */
    public Map<String, byte[]> specsIn(int partition) {
        Map<String, byte[]> specs = new LinkedHashMap<>();
        clients.readToEnd(topic, partition, MAX_SPEC_BYTES, Duration.ofSeconds(30), r -> {
            if (r.value() == null) {
                specs.remove(r.key());
            } else {
                specs.put(r.key(), r.value());
            }
        });
        return specs;
    }

    @Override
    public void run() {
        Thread.currentThread().setName("model-ownership");
        try {
            consumer = clients.ownershipConsumer(groupId, clientId);
            consumer.subscribe(List.of(topic), new Rebalance());
            while (!closing) {
                try {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                        if (r.key() != null && owned.contains(r.partition()) && !replay.hold(r.partition(), r.key(), r.value())) {
                            apply(r.partition(), r.key(), r.value());
                        }
                    }
                    replay.caughtUp(p -> consumer.position(new TopicPartition(topic, p)))
                            .forEach((p, held) -> held.forEach((id, value) -> apply(p, id, value)));
                } catch (WakeupException e) {
                    // close() woke us
                }
            }
        } catch (RuntimeException e) {
            failure = e;
            LOG.errorf(e, "model ownership stopped: this instance trains no model until it restarts (%s)", e.getMessage());
        } finally {
            KafkaConsumer<String, byte[]> c = consumer;
            if (c != null) {
                try {
                    c.close(Duration.ofSeconds(10)); // leaves the group: revokes what is left, others take over
                } catch (RuntimeException e) {
                    LOG.debug("ownership consumer close", e);
                }
            }
            synchronized (this) {
                producerClosed = true;
                if (specProducer != null) {
                    specProducer.close(Duration.ofSeconds(5));
                }
            }
            firstAssignment.countDown();
        }
    }

    private void apply(int partition, String modelId, byte[] value) {
        try {
            listener.specRecord(partition, modelId, value);
        } catch (RuntimeException e) {
            // One bad record must not end the membership (the next owner would fail on it too).
            LOG.errorf(e, "spec record %s of %s-%d not applied", modelId, topic, partition);
        }
    }

    /** Leaves the group (from the ownership thread): call after this instance's models stopped. */
    public void close() {
        closing = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Set<Integer> numbers(Collection<TopicPartition> tps) {
        Set<Integer> out = new HashSet<>();
        tps.forEach(tp -> out.add(tp.partition()));
        return out;
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            Set<Integer> added = numbers(assigned);
            owned.addAll(added);
            if (!added.isEmpty()) {
                LOG.infof("this instance now trains the models of partitions %s of %s (holds %s)", new TreeSet<>(added), topic,
                        ownedPartitions());
            }
            // Re-read the stored specs of new partitions from the start, acting on each id's newest record.
            consumer.seekToBeginning(assigned);
            Map<Integer, Long> ends = new HashMap<>();
            consumer.endOffsets(assigned).forEach((tp, end) -> ends.put(tp.partition(), end));
            replay.assigned(ends);
            try {
                listener.acquired(added);
            } catch (RuntimeException e) {
                LOG.errorf(e, "starting the models of partitions %s failed", added);
            }
            firstAssignment.countDown();
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            give(revoked, false);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            // Never commit here: another instance may own these models already.
            give(lost, true);
        }

        private void give(Collection<TopicPartition> tps, boolean lost) {
            if (tps.isEmpty()) {
                return;
            }
            Set<Integer> gone = numbers(tps);
            owned.removeAll(gone);
            replay.released(gone);
            LOG.infof("partitions %s of %s %s: stopping their models%s", new TreeSet<>(gone), topic, lost ? "lost" : "revoked",
                    lost ? " without committing" : " after a final snapshot each");
            try {
                listener.released(gone, lost);
            } catch (RuntimeException e) {
                LOG.errorf(e, "stopping the models of partitions %s failed", gone);
            }
        }
    }
}
