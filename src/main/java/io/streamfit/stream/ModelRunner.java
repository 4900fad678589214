package io.streamfit.stream;

import io.streamfit.data.Batcher;
import io.streamfit.data.Position;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.metrics.ModelMeters;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelState;
import io.streamfit.train.StepResult;
import io.streamfit.train.TrainingLoop;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The training loop of one model: one thread, one consumer, one transactional producer, whose
 * snapshot commits a second thread finishes while training goes on ({@link SnapshotCommitter}). Records
 * go through {@link TrainingLoop}, shared with the {@code train} command; with decode-ahead on
 * (the default), a second thread of the model's only decodes records ahead of the step, in order,
 * and ends with the model.
 *
 * <p>Guarantees (exactly-once in the published lineage):
 * <ul>
 *   <li>The producer is initialized (fencing any older instance of the model, whose transactional
 *       id is the same) <em>before</em> the snapshot topic is read, so no zombie can commit a
 *       snapshot after this instance restored.</li>
 *   <li>Group offsets are committed only inside the transaction that publishes a snapshot
 *       ({@code sendOffsetsToTransaction} with the consumer's group metadata), and they are the
 *       positions of the first example that snapshot has not trained on. A {@code read_committed}
 *       reader sees a snapshot exactly when its offsets are committed.</li>
 *   <li>A snapshot is booked (version, served bytes, best) only once its commit succeeded; the
 *       producer does nothing else until then, rebalance callbacks and shutdown wait for it, and
 *       its failure is recovered from like any failed transaction (below).</li>
 *   <li>Dead-lettered records are produced in the same transaction, so they appear exactly when
 *       the offsets that pass them are committed; after a restart, records below the snapshot's
 *       {@code consumed} offsets are not dead-lettered again.</li>
 *   <li>On start the model is restored from its newest usable snapshot and the consumer seeks to
 *       its positions; examples the lineage already trained on are dropped by {@link Batcher}.
 *       Versions keep increasing, past any snapshot that failed to decode.</li>
 *   <li>If a transaction fails, the rest of the poll is abandoned, the in-memory state returns to
 *       the last committed snapshot (re-read from the topic when the outcome is unknown) and the
 *       consumer seeks back to its positions; retries back off. Errors no retry can fix
 *       (authorization, a snapshot over the size limit, ...) stop the model with a clear error;
 *       {@link ProducerFencedException} means another instance owns the model: this one stops and
 *       publishes nothing more.</li>
 * </ul>
 */
public final class ModelRunner implements Runnable {
    private static final Logger LOG = Logger.getLogger(ModelRunner.class);
    private static final long MAX_BACKOFF_MS = 30_000;
    /** Room for key, headers and record-batch framing when checking a record against a size limit. */
    private static final int RECORD_OVERHEAD = 16 * 1024;

    /** Life cycle of a runner, as the status endpoint shows it. */
    public enum Phase { STARTING, RESTORING, RUNNING, STOPPED, FENCED, FAILED, DIVERGED }

    /** What the runner needs besides the spec. */
    /** {@code pretrainedFiles}: which {@code pretrained.file} sources may be read (none without it). */
    /** {@code decodeAheadBytes}: the bound of {@link io.streamfit.data.DecodeAhead}, 0 = decode on the training thread. */
    public record Settings(String groupPrefix, Duration pollTimeout, Duration progressInterval, Duration maxTransactionOpen,
            io.streamfit.files.PretrainedFiles pretrainedFiles, long decodeAheadBytes) {
        /** Decoding ahead within the default bound. */
        public Settings(String groupPrefix, Duration pollTimeout, Duration progressInterval, Duration maxTransactionOpen,
                io.streamfit.files.PretrainedFiles pretrainedFiles) {
            this(groupPrefix, pollTimeout, progressInterval, maxTransactionOpen, pretrainedFiles, io.streamfit.data.DecodeAhead.DEFAULT_MAX_AHEAD_BYTES);
        }

        public Settings(String groupPrefix, Duration pollTimeout, Duration progressInterval, Duration maxTransactionOpen) {
            this(groupPrefix, pollTimeout, progressInterval, maxTransactionOpen, io.streamfit.files.PretrainedFiles.none(0));
        }
    }

    /** A Kafka record as {@link TrainingLoop} sees it. */
    private static final TrainingLoop.RecordView<ConsumerRecord<byte[], byte[]>> KAFKA_RECORDS =
            new TrainingLoop.RecordView<>(ConsumerRecord::partition, ConsumerRecord::offset, ConsumerRecord::value);

    /** Training diverged again after the allowed rollbacks: the model stops, serving its last good state. */
    private static final class DivergedException extends RuntimeException {
        DivergedException(String message) {
            super(message);
        }
    }

    /** The model was given up (abandoned) while recovering: it stops without touching Kafka again. */
    private static final class AbandonedException extends RuntimeException {
        AbandonedException() {
            super("abandoned: another instance owns the model", null, false, false);
        }
    }

    /** An error no retry can fix. */
    private static final class FatalModelException extends RuntimeException {
        FatalModelException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ModelSpec spec;
    private final KafkaClients clients;
    private final SnapshotStore store;
    private final ModelMeters meters;
    private final Settings settings;
    private final Batcher batcher;
    /** Decode (ahead, on a second thread, unless turned off), batch and train: shared with the train command. */
    private final TrainingLoop<ConsumerRecord<byte[], byte[]>> training;
    private final String transactionalId;

    private volatile ModelState state;
    private volatile Phase phase = Phase.STARTING;
    private volatile String lastError;
    private volatile boolean stopping;
    /** Stop without committing anything more: this instance lost the model to another one. */
    private volatile boolean abandoning;
    private volatile boolean restored;
    /** Where the model starts from before its first snapshot. */
    private final PretrainedSource pretrained;
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    private volatile byte[] lastSnapshot;
    /** The last committed snapshot tagged best by early stopping, or null. */
    private volatile byte[] bestSnapshot;
    private volatile long bestVersion = -1;
    /** An operator asked to resume paused updates; applied by the training thread before its next batch. */
    private volatile boolean resumeRequested;
    /** Operator resumes applied, and how many of them the last committed snapshot holds (the rest are re-applied after a rollback). */
    private long resumesApplied, resumesCommitted;
    /** Batches since the last snapshot that trained nothing (held out, paused): they count toward every_steps. */
    private long untrainedSinceSnapshot;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Producer<byte[], byte[]> producer;
    /** Sends and commits snapshot transactions while training goes on; see its call order. */
    private final SnapshotCommitter committer;
    /** A transaction is open on the producer and this thread owns it (false while the committer has it). */
    private boolean inTransaction;
    private volatile int consecutiveFailures;
    private long transactionStartNanos;
    private long lastSnapshotNanos = System.nanoTime();
    private long stepsAtSnapshot;
    private Map<Integer, Position> positionsAtSnapshot = Map.of();
    private Map<Integer, Long> deadLetteredBelow = Map.of();
    private volatile long lag;
    /** When the consumer last polled; one poll's records may not take longer than a third of max.poll.interval.ms. */
    private long pollAtNanos;
    private final long keepAliveNanos;
    /** Rebalances that took partitions away; a keep-alive poll that sees one starts over from the state. */
    private volatile int revocations;
    private volatile long keepAlives;
    private volatile long restoredVersion = -1;
    private volatile Map<Integer, Position> restoredPositions = Map.of();

    public ModelRunner(ModelSpec spec, KafkaClients clients, SnapshotStore store, ModelMeters meters, Settings settings) {
        this.keepAliveNanos = clients.maxPollIntervalMs() * 1_000_000L / 3;
        this.spec = spec;
        this.clients = clients;
        this.store = store;
        this.meters = meters;
        this.settings = settings;
        this.batcher = new Batcher(spec.batchSize());
        this.training = new TrainingLoop<>(new RecordDecoder(spec)::decode, batcher, KAFKA_RECORDS, new Steps(), settings.decodeAheadBytes(),
                "decode-" + spec.id());
        this.transactionalId = settings.groupPrefix() + spec.id();
        this.pretrained = new PretrainedSource(spec, store, settings.pretrainedFiles());
        this.committer = new SnapshotCommitter("commit-" + spec.id());
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

    /**
     * Ready = restored from the snapshot topic (or started fresh), holding partitions, and the
     * last snapshot transaction did not fail.
     */
    public boolean ready() {
        return phase == Phase.RUNNING && restored && !assigned.isEmpty() && consecutiveFailures == 0;
    }

    /** Stopped for good (fenced, failed, or stopped on request). */
    public boolean terminated() {
        return phase == Phase.STOPPED || phase == Phase.FENCED || phase == Phase.FAILED || phase == Phase.DIVERGED;
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

    /** Rebalances that took partitions from this runner (revoked or lost). */
    public int revocations() {
        return revocations;
    }

    /** Keep-alive polls made while training a long poll's records (see {@code keepAlive}). */
    public long keepAlives() {
        return keepAlives;
    }

    /** The last committed snapshot (safetensors), or null before the first. */
    public byte[] lastSnapshot() {
        return lastSnapshot;
    }

    /**
     * The snapshot early stopping last tagged best (the lowest validation loss), or null: none
     * yet, or early stopping is off. Its version is in its metadata.
     */
    public byte[] bestSnapshot() {
        return bestSnapshot;
    }

    /** The version of {@link #bestSnapshot()}, or -1 when there is none. */
    public long bestVersion() {
        return bestVersion;
    }

    /**
     * Asks the training thread to resume updates that early stopping paused; returns false when
     * they are not paused (or early stopping is off).
     */
    public boolean requestResume() {
        ModelState s = state;
        if (terminated() || s == null || s.earlyStopping() == null || !s.earlyStopping().paused()) {
            return false;
        }
        resumeRequested = true;
        return true;
    }

    /** Asks the loop to finish its batch, publish a final snapshot and exit. */
    public void stop() {
        stopping = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /**
     * Asks the loop to stop <em>without</em> committing anything more: the open transaction is
     * aborted and no final snapshot is published. For a model this instance lost (its ownership
     * expired): another instance may own it already, and whatever it restored must stay the
     * newest committed state.
     */
    public void abandon() {
        abandoning = true;
        stop();
    }

    @Override
    public void run() {
        Thread.currentThread().setName("train-" + spec.id());
        try {
            phase = Phase.RESTORING;
            producer = clients.transactionalProducer(transactionalId, store.maxBytes());
            producer.initTransactions(); // fences older instances before we read their snapshots
            restore();
            ensureDeadLetterTopic();
            consumer = clients.trainingConsumer(transactionalId, "streamfit-" + spec.id());
            consumer.subscribe(List.of(spec.topic()), new Rebalance());
            phase = Phase.RUNNING;
            loop();
            if (phase == Phase.RUNNING) {
                if (abandoning) {
                    abortOpenTransaction();
                } else {
                    publishIfChanged();
                    settle(); // shutdown waits for the final commit
                }
                phase = Phase.STOPPED;
            }
        } catch (ProducerFencedException e) {
            fenced(e);
        } catch (AbandonedException e) {
            phase = Phase.STOPPED;
            LOG.infof("model %s given up without a final snapshot: another instance owns it now", spec.id());
        } catch (DivergedException e) {
            phase = Phase.DIVERGED;
            lastError = e.getMessage();
            LOG.errorf("model %s stopped training: %s", spec.id(), e.getMessage());
        } catch (KafkaException e) {
            // An exception thrown in the rebalance listener reaches us wrapped by poll().
            if (e.getCause() instanceof ProducerFencedException fencedCause) {
                fenced(fencedCause);
            } else {
                failed(e);
            }
        } catch (RuntimeException | InterruptedException | Error e) {
            // Any Throwable (OutOfMemoryError, StackOverflowError, an error from native code)
            // ends in FAILED with its reason: never a thread that dies while the phase says "restoring".
            failed(e);
        } finally {
            training.close(); // the decoder thread ends with the model, however it ended
            closeClients();
        }
    }

    private void restore() {
        if (spec.batchSize() < io.streamfit.nn.BatchNorm.MEANINGFUL_BATCH
                && spec.hasLayer("batch_norm")) {
            LOG.warnf("model %s: batch_size %d is below %d: batch-norm statistics of so few examples are noisy "
                    + "(consider layer_norm); counted in streamfit_batch_norm_small_batch_steps_total",
                    spec.id(), spec.batchSize(), io.streamfit.nn.BatchNorm.MEANINGFUL_BATCH);
        }
        SnapshotStore.Restored r = store.latest(spec);
        if (r.state().isPresent()) {
            state = r.state().get();
            lastSnapshot = r.bytes();
            LOG.infof("model %s restored snapshot version %d (step %d, %d examples) at positions %s",
                    spec.id(), state.version(), state.steps(), state.examplesSeen(), state.positions());
        } else {
            state = pretrained.startingState();
            LOG.infof("model %s has no usable snapshot: starting fresh from seed %d (%d parameters)%s",
                    spec.id(), spec.seed(), state.network().paramCount(), spec.pretrained() == null ? ""
                            : ", pre-trained from " + (spec.pretrained().model() != null
                                    ? "model " + spec.pretrained().model() : spec.pretrained().file()));
        }
        if (spec.earlyStopping() != null) {
            restoreBest();
            meters.enableEarlyStopping(state.earlyStopping());
        }
        restoredVersion = state.version();
        restoredPositions = Map.copyOf(state.positions());
        state.versionAtLeast(r.highestVersion());
        resetToState();
        meters.restored(state.version(), state.window().loss(), state.window().accuracy(), state.currentLr());
        meters.lrScale(state.lrScale());
        restored = true;
    }

    /** Sets {@link #bestSnapshot()} to the restored lineage's best (see {@link SnapshotStore#best}). */
    private void restoreBest() {
        SnapshotStore.Best b = store.best(spec, state);
        bestSnapshot = b == null ? null : b.bytes();
        bestVersion = b == null ? -1 : b.version();
    }

    /** Points the batcher (and the bookkeeping) at the current state's positions. */
    private void resetToState() {
        untrainedSinceSnapshot = 0;
        batcher.resume(state.positions());
        stepsAtSnapshot = state.steps();
        positionsAtSnapshot = state.positions();
        deadLetteredBelow = state.consumed();
        lastSnapshotNanos = System.nanoTime();
    }

    /** Created up front: a send to a missing topic would fail every transaction on clusters without auto-creation. */
    private void ensureDeadLetterTopic() throws InterruptedException {
        try {
            clients.createTopicIfAbsent(new NewTopic(spec.deadLetterTopic(), Optional.empty(), Optional.empty()));
        } catch (KafkaException e) {
            LOG.warnf("model %s: %s; dead-lettering will fail if the topic does not exist", spec.id(), e.getMessage());
        }
    }

    private void loop() throws InterruptedException {
        long progressAt = System.nanoTime();
        long examplesAtProgress = state.examplesSeen();
        while (!stopping) {
            ConsumerRecords<byte[], byte[]> records;
            committer.awaitOffsetsAdded(); // a rebalance in this poll must not outdate their generation
            try {
                records = consumer.poll(settings.pollTimeout());
            } catch (WakeupException e) {
                break;
            }
            pollAtNanos = System.nanoTime();
            // Records are trained in the order the consumer returned them; a rollback abandons
            // the rest of the poll (the consumer was sought back: it is stale), and so does a
            // stop (the snapshot covers what was trained; the rest is the next run's to train).
            training.run(records.partitions().stream().flatMap(tp -> records.records(tp).stream()).iterator());
            if (committer.finished()) {
                settle();
            }
            updateLag();
            maybePublish();
            long now = System.nanoTime();
            if (now - progressAt >= settings.progressInterval().toNanos()) {
                double seconds = (now - progressAt) / 1e9;
                ModelState s = state;
                LOG.infof("model=%s examples/s=%.0f steps=%d examples=%d prequential_loss=%.4f prequential_accuracy=%.4f lr=%.3g snapshot_version=%d lag=%d",
                        spec.id(), Math.max(0, s.examplesSeen() - examplesAtProgress) / seconds, s.steps(), s.examplesSeen(),
                        s.window().loss(), s.window().accuracy(), s.currentLr(), s.version(), lag);
                progressAt = now;
                examplesAtProgress = s.examplesSeen();
            }
        }
    }

    /** What the service does around {@link TrainingLoop}'s decode, batch and train. */
    private final class Steps implements TrainingLoop.Hooks<ConsumerRecord<byte[], byte[]>> {
        private long resumesBefore;

        @Override
        public ModelState state() {
            return state;
        }

        @Override
        public boolean stopping() {
            return stopping;
        }

        @Override
        public void rejected(ConsumerRecord<byte[], byte[]> r, RejectedRecordException e) throws InterruptedException {
            meters.rejected(e.reason().label());
            if (r.offset() >= deadLetteredBelow.getOrDefault(r.partition(), 0L)) {
                deadLetter(r, e);
            }
        }

        @Override
        public void beforeStep() {
            if (resumeRequested) {
                resumeRequested = false;
                if (state.earlyStopping().resume()) {
                    resumesApplied++;
                    LOG.infof("model %s: updates resumed on request", spec.id());
                }
            }
            resumesBefore = state.earlyStopping() == null ? 0 : state.earlyStopping().resumes();
        }

        @Override
        public void afterStep(ConsumerRecord<byte[], byte[]> r, StepResult res, long nanos) throws InterruptedException {
            meters.step(res, nanos, state.window().loss(), state.window().accuracy());
            if (res.skipped()) {
                LOG.warnf("model %s skipped a step: loss %s or gradient norm %s is not finite (%d in a row)", spec.id(),
                        res.lossSum() / res.examples(), res.gradNorm(), state.consecutiveBadSteps());
                if (state.consecutiveBadSteps() >= spec.divergence().maxBadSteps()) {
                    divergenceRollback(); // abandons the rest of the poll
                    return;
                }
            }
            if (state.earlyStopping() != null) {
                meters.earlyStopping(state.earlyStopping());
                if (state.earlyStopping().resumes() > resumesBefore && res.check() == null) {
                    LOG.infof("model %s: updates resumed after %d paused batches", spec.id(), spec.earlyStopping().resumeAfterBatches());
                }
                if (!res.applied()) {
                    untrainedSinceSnapshot++;
                }
            }
            if (System.nanoTime() - pollAtNanos > keepAliveNanos) {
                keepAlive();
            }
            if (res.check() != null && validationCheck(res.check())) {
                return; // published as best, which covers the step-count snapshot below
            }
            // Step-count snapshots are taken right after the step, not at the end of the poll, so
            // they fall on the same steps whatever the poll sizes were. Batches that train nothing
            // count too, so that a paused model still commits its progress through the stream.
            long every = spec.snapshot().everySteps();
            if (every > 0 && state.steps() - stepsAtSnapshot + untrainedSinceSnapshot >= every) {
                publishIfChanged();
            } else if (committer.finished()) {
                settle(); // book an ended commit without waiting
            }
        }
    }

    /**
     * Backpressure for slow training: one poll returns up to 100 records of up to 65,536 examples
     * each, which a large model may need longer to train than {@code max.poll.interval.ms}
     * (after which the group would evict this consumer and rebalance). So every third of that
     * interval the loop pauses its partitions and polls without waiting: that keeps the
     * membership, fetches nothing new (nothing is buffered beyond the poll in hand), and returns
     * records only for partitions a rebalance just assigned, which are handed back by seeking to
     * their first offset. Should a rebalance take partitions away meanwhile (their progress was
     * published by the rebalance listener), the rest of the poll is dropped and training goes on
     * from the last committed snapshot, so nothing is trained twice or lost.
     */
    private void keepAlive() throws InterruptedException {
        Set<TopicPartition> held = new HashSet<>(consumer.assignment());
        int revocationsBefore = revocations;
        consumer.pause(held);
        keepAlives++;
        committer.awaitOffsetsAdded();
        try {
            ConsumerRecords<byte[], byte[]> early = consumer.poll(Duration.ZERO);
            for (TopicPartition tp : early.partitions()) {
                consumer.seek(tp, early.records(tp).get(0).offset());
            }
        } catch (WakeupException e) {
            // stop() woke the consumer: the loop ends after this poll's records, as it would have.
        }
        held.retainAll(consumer.assignment());
        consumer.resume(held);
        pollAtNanos = System.nanoTime();
        if (revocations != revocationsBefore && !training.abandoned() && abortOpenTransaction()) {
            long highWater = state.version();
            state = lastCommittedState();
            state.versionAtLeast(highWater);
            continueFromState();
        }
    }

    /** Aborts the open transaction once, ignoring any failure: for a model this instance gave up. */
    private void abandonTransaction() {
        if (inTransaction) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException e) {
                LOG.debugf("model %s: abort while abandoning failed (%s); the transaction times out on the broker", spec.id(), e);
            }
            inTransaction = false;
        }
    }

    /** Aborts the open transaction, if any; returns false when that failed and {@link #recover} took over. */
    private boolean abortOpenTransaction() throws InterruptedException {
        if (!settle()) {
            return false;
        }
        if (!inTransaction) {
            return true;
        }
        if (abandoning) {
            abandonTransaction();
            return true;
        }
        try {
            producer.abortTransaction();
            inTransaction = false;
            return true;
        } catch (ProducerFencedException e) {
            throw e;
        } catch (KafkaException e) {
            recover(e);
            return false;
        }
    }

    /** The model as the last committed snapshot has it (a fresh one before the first snapshot). */
    private ModelState lastCommittedState() {
        try {
            return lastSnapshot == null ? freshState() : SnapshotCodec.decode(lastSnapshot, spec);
        } catch (SnapshotFormatException e) {
            throw new IllegalStateException("the last committed snapshot no longer decodes", e);
        }
    }

    /**
     * Goes on from {@link #state} after it was rolled back: the batcher and the bookkeeping at
     * its positions, early stopping's meters re-based, an operator's resume that no committed
     * snapshot reflects yet applied again, the consumer sought back, the rest of the poll dropped.
     */
    private void continueFromState() {
        resetToState();
        if (state.earlyStopping() != null) {
            meters.rebaseEarlyStopping(state.earlyStopping());
            resumeRequested |= resumesApplied > resumesCommitted;
        }
        seekToPositions(assigned);
        training.abandon();
    }

    /**
     * After {@code max_bad_steps} non-finite steps in a row: the open transaction (dead letters
     * since the last snapshot) is aborted, the model returns to its last committed snapshot with
     * its learning rate multiplied by {@code lr_factor}, and the consumer seeks back, so the
     * same records are trained again, more gently. A model that diverges again before it has
     * trained past the point where it last diverged, more than {@code max_rollbacks} times, stops.
     */
    private void divergenceRollback() throws InterruptedException {
        ModelState diverged = state;
        ModelSpec.DivergenceSpec d = spec.divergence();
        int inARow = diverged.rollbacksInARow() + 1;
        if (!abortOpenTransaction()) {
            return;
        }
        ModelState good = lastCommittedState();
        boolean giveUp = inARow > d.maxRollbacks();
        good.restoreDivergence(giveUp ? diverged.lrScale() : diverged.lrScale() * d.lrFactor(), diverged.divergenceRollbacks() + 1,
                inARow, Math.max(diverged.troubleAt(), diverged.examplesSeen()));
        good.versionAtLeast(diverged.version());
        state = good;
        meters.divergence(good.lrScale());
        if (giveUp) {
            throw new DivergedException("training diverged (" + d.maxBadSteps() + " steps in a row with a non-finite loss or "
                    + "gradient) " + inARow + " times without getting past example " + good.troubleAt() + ", after "
                    + (inARow - 1) + " rollbacks with the learning rate lowered to " + diverged.lrScale() + " of the schedule's; "
                    + "serving snapshot version " + good.version() + ". Check the input data or lower the learning rate, then "
                    + "declare the model again");
        }
        LOG.warnf("model %s diverged: rolled back to snapshot version %d, learning rate now %.3g of the schedule's "
                + "(rollback %d in a row, at most %d)", spec.id(), good.version(), good.lrScale(), inARow, d.maxRollbacks());
        continueFromState();
    }

    /**
     * Reports a completed validation check; a new best is published at once, tagged best, so the
     * best snapshot is exactly the model that was validated. Returns whether it published.
     */
    private boolean validationCheck(io.streamfit.train.EarlyStopping.Check c) throws InterruptedException {
        if (c.paused()) {
            LOG.infof("model %s: validation loss %.5f has not improved on %.5f for %d checks: updates paused",
                    spec.id(), c.loss(), state.earlyStopping().best(), spec.earlyStopping().patience());
        } else if (c.resumed()) {
            LOG.infof("model %s: validation loss rose to %.5f: updates resumed", spec.id(), c.loss());
        }
        if (!c.improved()) {
            return false;
        }
        publish(batcher.positions(), true);
        return true;
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> r, RejectedRecordException e) throws InterruptedException {
        LOG.debugf("model %s rejected %s-%d@%d: %s", spec.id(), r.topic(), r.partition(), r.offset(), e.getMessage());
        ProducerRecord<byte[], byte[]> dlq = DeadLetterHeaders.record(spec.deadLetterTopic(), spec.id(), r, e, RECORD_OVERHEAD);
        if (!settle()) {
            return; // the snapshot before failed: rolled back, and this record is read again
        }
        try {
            beginIfNeeded();
            producer.send(dlq);
        } catch (ProducerFencedException ex) {
            throw ex;
        } catch (KafkaException ex) {
            recover(ex);
        }
    }

    private void beginIfNeeded() {
        if (!inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
            transactionStartNanos = System.nanoTime();
        }
    }

    private void maybePublish() throws InterruptedException {
        ModelSpec.SnapshotPolicy p = spec.snapshot();
        double seconds = (System.nanoTime() - lastSnapshotNanos) / 1e9;
        boolean due = (p.everySeconds() > 0 && seconds >= p.everySeconds())
                || (inTransaction && System.nanoTime() - transactionStartNanos >= settings.maxTransactionOpen().toNanos());
        if (due) {
            publishIfChanged();
        }
    }

    /**
     * Publishes a snapshot if anything changed since the last one (steps or positions), and never
     * in the middle of a run of non-finite steps: such a state is either rolled back or recovers
     * with its next good step, which is when it is published.
     */
    private void publishIfChanged() throws InterruptedException {
        if (state.consecutiveBadSteps() > 0) {
            return;
        }
        Map<Integer, Position> positions = batcher.positions();
        if (!inTransaction && state.steps() == stepsAtSnapshot && positions.equals(positionsAtSnapshot)) {
            lastSnapshotNanos = System.nanoTime();
            return;
        }
        publish(positions, false);
    }

    /**
     * Hands a snapshot and the offsets it covers, one transaction, to the committer; with
     * {@code best} the same bytes go under the model's best key too, in that transaction. Training
     * stops only to settle the commit before, encode and hand over; {@link #settle} books it once
     * committed. The snapshot policy's counters restart here (recovery resets them on failure).
     */
    private void publish(Map<Integer, Position> positions, boolean best) throws InterruptedException {
        long started = System.nanoTime();
        if (abandoning || !settle()) {
            return; // another instance owns the model now, or the commit before failed and was rolled back
        }
        long version = state.version() + 1;
        Map<Integer, Long> consumed = batcher.consumed();
        byte[] bytes = SnapshotCodec.encode(state, version, positions, consumed);
        if (bytes.length + RECORD_OVERHEAD > store.maxBytes()) {
            throw new FatalModelException("snapshot of " + bytes.length + " bytes exceeds the snapshot topic's limit of "
                    + store.maxBytes() + " bytes (streamfit.snapshot.max-bytes / the topic's max.message.bytes)", null);
        }
        try {
            beginIfNeeded();
            committer.submit(producer, store.topic(), spec.id(), SnapshotStore.bestKey(spec.id()), spec.topic(), consumer.groupMetadata(),
                    new SnapshotCommitter.Snapshot(version, bytes, Map.copyOf(positions), Map.copyOf(consumed), best,
                            System.nanoTime() - started, resumesApplied));
            inTransaction = false; // the committer's now
        } catch (ProducerFencedException e) {
            throw e;
        } catch (KafkaException e) {
            recover(e);
            return;
        }
        untrainedSinceSnapshot = 0;
        stepsAtSnapshot = state.steps();
        positionsAtSnapshot = Map.copyOf(positions);
        lastSnapshotNanos = System.nanoTime();
    }

    /**
     * Waits for the commit in flight, if any, and books it: committed, the state and the served
     * snapshots move to it; failed, the same recovery as a failed transaction on this thread
     * ({@link #recover}, fencing rethrown). Returns false when it failed and recovery took over.
     */
    private boolean settle() throws InterruptedException {
        SnapshotCommitter.Outcome o = committer.await();
        if (o == null) {
            return true;
        }
        KafkaException failed = o.recoverable(); // fencing and errors other than Kafka's are thrown
        if (failed != null) {
            inTransaction = true; // the failed transaction is this thread's to abort
            recover(failed);
            return false;
        }
        SnapshotCommitter.Snapshot s = o.snapshot();
        consecutiveFailures = 0;
        state.markPublished(s.version(), s.positions(), s.consumed());
        lastSnapshot = s.bytes();
        resumesCommitted = s.resumesApplied();
        if (s.best()) {
            bestSnapshot = s.bytes();
            bestVersion = s.version();
            meters.bestSnapshot();
        }
        meters.snapshot(s.version(), s.bytes().length, s.stallNanos(), o.commitNanos());
        LOG.debugf("model %s published snapshot version %d (%d bytes) at %s", spec.id(), s.version(), s.bytes().length, s.positions());
        return true;
    }

    /**
     * After a failed transaction: abort (or, if even that fails, start a new producer, which makes
     * the coordinator finish the old transaction one way or the other), return memory to the last
     * committed snapshot, seek back, and back off.
     */
    private void recover(KafkaException cause) throws InterruptedException {
        if (abandoning) {
            // Another instance owns the model now: no retry, and above all no new producer, whose
            // initTransactions would fence the rightful owner. Give up the transaction and stop.
            abandonTransaction();
            training.abandon();
            return;
        }
        if (SnapshotCommitter.permanent(cause)) {
            throw new FatalModelException("snapshot transaction failed permanently: " + cause, cause);
        }
        consecutiveFailures++;
        lastError = cause.toString();
        meters.rollback();
        LOG.errorf("model %s: transaction failed (%s), attempt %d; rolling back to the last committed snapshot",
                spec.id(), cause, consecutiveFailures);
        long highWater = state.version(); // no version at or below this may be published again
        boolean outcomeKnown = true;
        try {
            producer.abortTransaction();
        } catch (ProducerFencedException e) {
            throw e; // another instance owns the model now; re-initializing would fence it back
        } catch (RuntimeException e) {
            LOG.warnf("model %s: abort failed too (%s): replacing the producer", spec.id(), e.toString());
            outcomeKnown = false;
        }
        inTransaction = false;
        if (outcomeKnown) {
            state = lastCommittedState();
        } else {
            reopen();
        }
        state.versionAtLeast(highWater);
        continueFromState();
        backOff();
    }

    /**
     * After a transaction whose outcome is unknown: a new producer (its initTransactions makes the
     * coordinator finish the old transaction one way or the other), then the state as the
     * snapshot topic has it. Retried with back-off while the cluster is unreachable; only fencing
     * or errors no retry can fix get out.
     */
    private void reopen() throws InterruptedException {
        while (true) {
            if (abandoning) {
                // Given up while the cluster was unreachable: a new producer's initTransactions
                // would fence the instance that owns the model now.
                throw new AbandonedException();
            }
            try {
                try {
                    producer.close(Duration.ZERO);
                } catch (RuntimeException ignored) {
                    // closing a broken producer may fail as well
                }
                producer = clients.transactionalProducer(transactionalId, store.maxBytes());
                producer.initTransactions();
                SnapshotStore.Restored r = store.latest(spec);
                long highWater = state.version();
                state = r.state().orElseGet(this::freshState);
                state.versionAtLeast(Math.max(highWater, r.highestVersion()));
                lastSnapshot = r.bytes();
                if (spec.earlyStopping() != null) {
                    // The unknown transaction may have committed a new best: take it from the topic.
                    restoreBest();
                }
                return;
            } catch (ProducerFencedException e) {
                throw e;
            } catch (KafkaException | IllegalStateException e) {
                if (SnapshotCommitter.permanent(e)) {
                    throw new FatalModelException("cannot recover: " + e, e);
                }
                if (stopping) {
                    throw new FatalModelException("stopped while the cluster was unreachable; the last committed snapshot stands", e);
                }
                consecutiveFailures++;
                lastError = e.toString();
                LOG.warnf("model %s: cluster still unreachable (%s), attempt %d", spec.id(), e.toString(), consecutiveFailures);
                backOff();
            }
        }
    }

    private void backOff() throws InterruptedException {
        Thread.sleep(Math.min(MAX_BACKOFF_MS, 250L << Math.min(consecutiveFailures, 10)));
    }

    /** A fresh model whose next version still follows every version published so far. */
    private ModelState freshState() {
        ModelState fresh = pretrained.startingState(); // the model before its first step
        fresh.versionAtLeast(state.version());
        return fresh;
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
                    consumer.seekToBeginning(List.of(tp));
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

    private void fenced(ProducerFencedException e) {
        phase = Phase.FENCED;
        lastError = e.toString();
        LOG.errorf("model %s was fenced by another instance (%s): giving it up, publishing nothing more", spec.id(), e);
    }

    private void failed(Throwable e) {
        phase = Phase.FAILED; // first: building the message allocates, and may fail after an OutOfMemoryError
        lastError = e.getMessage() == null || e instanceof Error ? e.toString() : e.getMessage();
        meters.failed();
        LOG.errorf(e, "model %s stopped: %s", spec.id(), lastError);
    }

    private void closeClients() {
        committer.close(); // the producer is the committer's until its commit ended
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
            settleInCallback(); // the positions to seek to are the committed snapshot's
            seekToPositions(partitions);
            assigned.addAll(partitions);
            LOG.infof("model %s assigned %s", spec.id(), partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                revocations++;
            }
            if (!partitions.isEmpty() && phase == Phase.RUNNING) {
                // Offsets of revoked partitions can only be committed now: publish what we have.
                try {
                    publishIfChanged();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            settleInCallback(); // committed before the partitions go
            assigned.removeAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Never commit here: another instance may own them already. Roll back instead.
            revocations++;
            assigned.removeAll(partitions);
            try {
                if (settle() && inTransaction) {
                    recover(new KafkaException("partitions lost: " + partitions));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void settleInCallback() {
            try {
                settle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
