package io.streamfit.stream;

import io.streamfit.data.Batch;
import io.streamfit.data.Batcher;
import io.streamfit.data.Examples;
import io.streamfit.data.Position;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.metrics.ModelMeters;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelState;
import io.streamfit.train.StepResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * The training loop of one model: one thread, one consumer, one transactional producer.
 *
 * <p>Guarantees (exactly-once in the published lineage):
 * <ul>
 *   <li>Group offsets are committed only inside the transaction that publishes a snapshot
 *       ({@code sendOffsetsToTransaction} with the consumer's group metadata), and they are the
 *       positions of the first example that snapshot has not trained on. A {@code read_committed}
 *       reader sees a snapshot exactly when its offsets are committed.</li>
 *   <li>Dead-lettered records are produced in the same transaction, so they appear exactly when
 *       the offsets that skip them are committed.</li>
 *   <li>On start the model is restored from its newest snapshot and the consumer seeks to the
 *       snapshot's positions; examples already trained in the lineage are dropped by
 *       {@link Batcher}. If a transaction fails, the in-memory state rolls back to the last
 *       committed snapshot and the consumer seeks back to its positions.</li>
 *   <li>The transactional id is per model, so a second instance running the same model fences
 *       the first ({@link ProducerFencedException}); the fenced one stops and publishes nothing
 *       more.</li>
 * </ul>
 */
public final class ModelRunner implements Runnable {
    private static final Logger LOG = Logger.getLogger(ModelRunner.class);

    /** Life cycle of a runner, as the status endpoint shows it. */
    public enum Phase { STARTING, RESTORING, RUNNING, STOPPED, FENCED, FAILED }

    /** What the runner needs besides the spec. */
    public record Settings(String groupPrefix, Duration pollTimeout, Duration progressInterval, Duration maxTransactionOpen) {}

    private final ModelSpec spec;
    private final KafkaClients clients;
    private final SnapshotStore store;
    private final ModelMeters meters;
    private final Settings settings;
    private final RecordDecoder decoder;
    private final Batcher batcher;

    private volatile ModelState state;
    private volatile Phase phase = Phase.STARTING;
    private volatile String lastError;
    private volatile boolean stopping;
    private volatile boolean restored;
    private final Set<TopicPartition> assigned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile byte[] lastSnapshot;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<String, byte[]> producer;
    private boolean inTransaction;
    private long transactionStartNanos;
    private long lastSnapshotNanos = System.nanoTime();
    private long stepsAtSnapshot;
    private Map<Integer, Position> positionsAtSnapshot = Map.of();
    private volatile long lag;
    private volatile long restoredVersion = -1;
    private volatile Map<Integer, Position> restoredPositions = Map.of();

    public ModelRunner(ModelSpec spec, KafkaClients clients, SnapshotStore store, ModelMeters meters, Settings settings) {
        this.spec = spec;
        this.clients = clients;
        this.store = store;
        this.meters = meters;
        this.settings = settings;
        this.decoder = new RecordDecoder(spec);
        this.batcher = new Batcher(spec.batchSize());
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The current state, or null before restore; use {@link ModelState#predict} for inference. */
    public ModelState state() {
        return state;
    }

    public Phase phase() {
        return phase;
    }

    public String lastError() {
        return lastError;
    }

    /** Ready = restored from the snapshot topic (or started fresh) and holding partitions. */
    public boolean ready() {
        return phase == Phase.RUNNING && restored && !assigned.isEmpty();
    }

    public Set<TopicPartition> assignedPartitions() {
        return Set.copyOf(assigned);
    }

    public long lag() {
        return lag;
    }

    /** The snapshot version this run restored (0 = started fresh, -1 = not restored yet). */
    public long restoredVersion() {
        return restoredVersion;
    }

    /** The positions this run resumed at. */
    public Map<Integer, Position> restoredPositions() {
        return restoredPositions;
    }

    public byte[] lastSnapshot() {
        return lastSnapshot;
    }

    /** Asks the loop to finish its batch, publish a final snapshot and exit. */
    public void stop() {
        stopping = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public void run() {
        Thread.currentThread().setName("train-" + spec.id());
        try {
            phase = Phase.RESTORING;
            restore();
            ensureDeadLetterTopic();
            producer = clients.transactionalProducer(settings.groupPrefix() + spec.id(), store.maxBytes());
            producer.initTransactions();
            consumer = clients.trainingConsumer(settings.groupPrefix() + spec.id(), "streamfit-" + spec.id());
            consumer.subscribe(java.util.List.of(spec.topic()), new Rebalance());
            phase = Phase.RUNNING;
            loop();
            if (phase == Phase.RUNNING) {
                publishIfChanged();
                phase = Phase.STOPPED;
            }
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            fenced(e);
        } catch (RuntimeException | InterruptedException e) {
            phase = Phase.FAILED;
            lastError = e.toString();
            LOG.errorf(e, "model %s stopped on an error", spec.id());
        } finally {
            closeClients();
        }
    }

    private void restore() {
        Optional<SnapshotStore.Stored> s = store.latest(spec);
        if (s.isPresent()) {
            state = s.get().state();
            lastSnapshot = s.get().bytes();
            LOG.infof("model %s restored snapshot version %d (step %d, %d examples) at positions %s",
                    spec.id(), state.version(), state.steps(), state.examplesSeen(), state.positions());
        } else {
            state = ModelState.fresh(spec);
            LOG.infof("model %s has no snapshot: starting fresh from seed %d (%d parameters)",
                    spec.id(), spec.seed(), state.network().paramCount());
        }
        batcher.resume(state.positions());
        stepsAtSnapshot = state.steps();
        positionsAtSnapshot = state.positions();
        restoredVersion = state.version();
        restoredPositions = Map.copyOf(state.positions());
        meters.restored(state.version(), state.window().loss(), state.window().accuracy(), state.currentLr());
        restored = true;
    }

    /** Created up front: a send to a missing topic would fail the transaction on clusters without auto-creation. */
    private void ensureDeadLetterTopic() throws InterruptedException {
        try (org.apache.kafka.clients.admin.Admin admin = clients.admin()) {
            admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic(spec.deadLetterTopic(),
                    Optional.empty(), Optional.empty()))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                LOG.warnf("model %s: cannot create dead-letter topic %s: %s", spec.id(), spec.deadLetterTopic(), e.getCause());
            }
        }
    }

    private void loop() throws InterruptedException {
        long progressAt = System.nanoTime();
        long examplesAtProgress = state.examplesSeen();
        while (!stopping) {
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = consumer.poll(settings.pollTimeout());
            } catch (WakeupException e) {
                break;
            }
            for (TopicPartition tp : records.partitions()) {
                for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                    handle(r);
                }
            }
            updateLag();
            maybePublish();
            long now = System.nanoTime();
            if (now - progressAt >= settings.progressInterval().toNanos()) {
                double seconds = (now - progressAt) / 1e9;
                ModelState s = state;
                LOG.infof("model=%s examples/s=%.0f steps=%d examples=%d prequential_loss=%.4f prequential_accuracy=%.4f lr=%.3g snapshot_version=%d lag=%d",
                        spec.id(), (s.examplesSeen() - examplesAtProgress) / seconds, s.steps(), s.examplesSeen(),
                        s.window().loss(), s.window().accuracy(), s.currentLr(), s.version(), lag);
                progressAt = now;
                examplesAtProgress = s.examplesSeen();
            }
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        Examples ex;
        try {
            ex = decoder.decode(r.value());
        } catch (RejectedRecordException e) {
            if (batcher.offer(r.partition(), r.offset(), null)) {
                deadLetter(r, e);
            }
            return;
        }
        if (!batcher.offer(r.partition(), r.offset(), ex)) {
            return;
        }
        Batch b;
        while ((b = batcher.next()) != null) {
            long t0 = System.nanoTime();
            StepResult res = state.train(b);
            meters.step(res, System.nanoTime() - t0, state.window().loss(), state.window().accuracy());
            if (res.skipped()) {
                LOG.warnf("model %s skipped a step: gradient norm %s is not finite", spec.id(), res.gradNorm());
            }
            // Step-count snapshots are taken right after the step, not at the end of the poll, so
            // they fall on the same steps whatever the poll sizes were.
            long every = spec.snapshot().everySteps();
            if (every > 0 && state.steps() - stepsAtSnapshot >= every) {
                publishIfChanged();
            }
        }
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> r, RejectedRecordException e) {
        meters.rejected(e.reason().label());
        LOG.debugf("model %s rejected %s-%d@%d: %s", spec.id(), r.topic(), r.partition(), r.offset(), e.getMessage());
        beginIfNeeded();
        ProducerRecord<String, byte[]> dlq = new ProducerRecord<>(spec.deadLetterTopic(), null,
                r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8), r.value());
        Headers h = dlq.headers();
        r.headers().forEach(h::add);
        h.add(DeadLetterHeaders.REASON, bytes(e.reason().label()));
        h.add(DeadLetterHeaders.MESSAGE, bytes(e.getMessage()));
        h.add(DeadLetterHeaders.TOPIC, bytes(r.topic()));
        h.add(DeadLetterHeaders.PARTITION, bytes(Integer.toString(r.partition())));
        h.add(DeadLetterHeaders.OFFSET, bytes(Long.toString(r.offset())));
        h.add(DeadLetterHeaders.MODEL, bytes(spec.id()));
        producer.send(dlq);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void beginIfNeeded() {
        if (!inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
            transactionStartNanos = System.nanoTime();
        }
    }

    private void maybePublish() {
        ModelSpec.SnapshotPolicy p = spec.snapshot();
        double seconds = (System.nanoTime() - lastSnapshotNanos) / 1e9;
        boolean due = (p.everySeconds() > 0 && seconds >= p.everySeconds())
                || (inTransaction && System.nanoTime() - transactionStartNanos >= settings.maxTransactionOpen().toNanos());
        if (due) {
            publishIfChanged();
        }
    }

    /** Publishes a snapshot if anything changed since the last one (steps or positions). */
    private void publishIfChanged() {
        Map<Integer, Position> positions = batcher.positions();
        if (!inTransaction && state.steps() == stepsAtSnapshot && positions.equals(positionsAtSnapshot)) {
            lastSnapshotNanos = System.nanoTime();
            return;
        }
        publish(positions);
    }

    private void publish(Map<Integer, Position> positions) {
        long version = state.version() + 1;
        byte[] bytes = SnapshotCodec.encode(state, version, positions);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        positions.forEach((p, pos) -> offsets.put(new TopicPartition(spec.topic(), p),
                new OffsetAndMetadata(pos.offset(), "v=" + version + ";skip=" + pos.skip())));
        try {
            beginIfNeeded();
            producer.send(new ProducerRecord<>(store.topic(), spec.id(), bytes));
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
            inTransaction = false;
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw e;
        } catch (KafkaException e) {
            rollback(e);
            return;
        }
        state.markPublished(version, positions);
        lastSnapshot = bytes;
        stepsAtSnapshot = state.steps();
        positionsAtSnapshot = Map.copyOf(positions);
        lastSnapshotNanos = System.nanoTime();
        meters.snapshot(version, bytes.length);
        LOG.debugf("model %s published snapshot version %d (%d bytes) at %s", spec.id(), version, bytes.length, positions);
    }

    /** Abort, then return memory and consumer to the last committed snapshot. */
    private void rollback(KafkaException cause) {
        LOG.errorf("model %s: snapshot transaction failed (%s); rolling back to version %d", spec.id(), cause, state.version());
        lastError = cause.toString();
        meters.rollback();
        try {
            producer.abortTransaction();
        } catch (KafkaException e) {
            LOG.warnf("abort failed as well: %s", e.toString());
        }
        inTransaction = false;
        try {
            state = lastSnapshot == null ? ModelState.fresh(spec) : SnapshotCodec.decode(lastSnapshot, spec);
        } catch (SnapshotFormatException e) {
            throw new IllegalStateException("the last committed snapshot no longer decodes", e);
        }
        batcher.resume(state.positions());
        seekToPositions(assigned);
        stepsAtSnapshot = state.steps();
        positionsAtSnapshot = state.positions();
        lastSnapshotNanos = System.nanoTime();
    }

    private void seekToPositions(Collection<TopicPartition> partitions) {
        Map<Integer, Position> positions = state.positions();
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
            // Partitions this lineage has never trained on: start from the group's committed
            // offset if any, else from the beginning.
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(unknown);
            for (TopicPartition tp : unknown) {
                OffsetAndMetadata om = committed.get(tp);
                if (om != null) {
                    consumer.seek(tp, om.offset());
                } else {
                    consumer.seekToBeginning(java.util.List.of(tp));
                }
            }
        }
    }

    private void updateLag() {
        long total = 0;
        for (TopicPartition tp : assigned) {
            total += consumer.currentLag(tp).orElse(0);
        }
        lag = total;
        meters.lag(total);
    }

    private void fenced(KafkaException e) {
        phase = Phase.FENCED;
        lastError = e.toString();
        LOG.errorf("model %s was fenced by another instance (%s): giving it up, publishing nothing more", spec.id(), e);
    }

    private void closeClients() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("producer close", e);
            }
        }
        if (consumer != null) {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("consumer close", e);
            }
        }
        assigned.clear();
    }

    /** Seeks new partitions to the snapshot's positions; publishes before partitions go away. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            seekToPositions(partitions);
            assigned.addAll(partitions);
            LOG.infof("model %s assigned %s", spec.id(), partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty() && phase == Phase.RUNNING) {
                // Offsets of revoked partitions can only be committed now: publish what we have.
                publishIfChanged();
            }
            assigned.removeAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Never commit here: another instance may own them already. Roll back instead.
            assigned.removeAll(partitions);
            if (inTransaction) {
                rollback(new KafkaException("partitions lost: " + partitions));
            }
        }
    }
}
