package io.streamfit.stream;

import io.streamfit.data.Batcher;
import io.streamfit.data.DecodeAhead;
import io.streamfit.data.Position;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.files.PretrainedFiles;
import io.streamfit.nn.BatchNorm;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.DivergencePolicy;
import io.streamfit.train.EarlyStopping;
import io.streamfit.train.ModelState;
import io.streamfit.train.StepResult;
import io.streamfit.train.TrainingLoop;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jboss.logging.Logger;

/**
 * One model's training thread: it restores the model from its lineage, then polls its input topic
 * and trains every record through {@link TrainingLoop} (shared with the {@code train} command;
 * decoding runs ahead on a second thread unless turned off), publishing snapshots as its policy
 * says, until it is stopped, fenced, fails or diverges ({@link RunnerPhase}).
 *
 * <p>The parts, each in its own class: {@link SnapshotLineage} reads and writes the snapshot topic
 * with the exactly-once protocol and goes back to the last committed snapshot when a transaction
 * fails (its Javadoc states the guarantees); {@link InputConsumer} polls, seeks and keeps the
 * group membership through long polls; {@link DeadLetters} sends rejected records;
 * {@link DivergencePolicy} decides divergence rollbacks; {@link RunnerListener} (the service's
 * meters) observes. This class holds the model's state and decides when to publish.
 *
 * <p>Threads: {@link #run} is the training thread, which owns the consumer, the producer and the
 * state; {@link #stop}, {@link #abandon}, {@link #requestResume} and the getters may be called
 * from any thread. On start the model is restored from its newest usable snapshot and the
 * consumer seeks to its positions; examples the lineage already trained on are dropped by
 * {@link Batcher}.
 */
public final class ModelRunner implements Runnable {
    private static final Logger LOG = Logger.getLogger(ModelRunner.class);

    /**
     * What the runner needs besides the spec. {@code pretrainedFiles}: which {@code pretrained.file}
     * sources may be read (none without it); {@code decodeAheadBytes}: the bound of
     * {@link DecodeAhead}, 0 = decode on the training thread.
     */
    public record Settings(String groupPrefix, Duration pollTimeout, Duration progressInterval, Duration maxTransactionOpen,
            PretrainedFiles pretrainedFiles, long decodeAheadBytes) {
        /** Decoding ahead within the default bound. */
        public Settings(String groupPrefix, Duration pollTimeout, Duration progressInterval, Duration maxTransactionOpen,
                PretrainedFiles pretrainedFiles) {
            this(groupPrefix, pollTimeout, progressInterval, maxTransactionOpen, pretrainedFiles, DecodeAhead.DEFAULT_MAX_AHEAD_BYTES);
        }

        public Settings(String groupPrefix, Duration pollTimeout, Duration progressInterval, Duration maxTransactionOpen) {
            this(groupPrefix, pollTimeout, progressInterval, maxTransactionOpen, PretrainedFiles.none(0));
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

    private final ModelSpec spec;
    private final KafkaClients clients;
    private final RunnerListener listener;
    private final Settings settings;
    private final Batcher batcher;
    private final TrainingLoop<ConsumerRecord<byte[], byte[]>> training;
    private final SnapshotLineage lineage;
    private final InputConsumer input;
    private final DeadLetters deadLetters;
    private final DivergencePolicy divergence;
    private final String transactionalId;

    private volatile ModelState state;
    private volatile RunnerPhase phase = RunnerPhase.STARTING;
    /** Why the runner ended, when it did not stop on request. */
    private volatile String terminalError;
    /** A stop was asked for: finish the batch, publish a final snapshot, exit. */
    private volatile boolean stopping;
    /** Stop without committing anything more: this instance lost the model to another one. */
    private volatile boolean abandoning;
    /** An operator asked to resume paused updates; applied by the training thread before its next batch. */
    private volatile boolean resumeRequested;
    /** Operator resumes applied (those the last committed snapshot lacks are re-applied after a rollback). */
    private long resumesApplied;
    /** Batches since the last snapshot that trained nothing (held out, paused): they count toward every_steps. */
    private long untrainedSinceSnapshot;
    private long lastSnapshotNanos = System.nanoTime();
    private long stepsAtSnapshot;
    private Map<Integer, Position> positionsAtSnapshot = Map.of();
    private volatile long restoredVersion = -1;
    private volatile Map<Integer, Position> restoredPositions = Map.of();

    public ModelRunner(ModelSpec spec, KafkaClients clients, SnapshotStore store, RunnerListener listener, Settings settings) {
        this.spec = spec;
        this.clients = clients;
        this.listener = listener;
        this.settings = settings;
        this.batcher = new Batcher(spec.batchSize());
        this.training = new TrainingLoop<>(new RecordDecoder(spec)::decode, batcher, KAFKA_RECORDS, new Steps(), listener, settings.decodeAheadBytes(),
                "decode-" + spec.id());
        this.transactionalId = settings.groupPrefix() + spec.id();
        this.lineage = new SnapshotLineage(spec, clients, store, new PretrainedSource(spec, store, settings.pretrainedFiles()), listener,
                transactionalId);
        this.input = new InputConsumer(spec.id(), spec.topic(), clients.maxPollIntervalMs());
        this.deadLetters = new DeadLetters(spec, lineage);
        this.divergence = new DivergencePolicy(spec.divergence());
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The current state, or null before restore; use {@link ModelState#predict} for inference. */
    public ModelState state() {
        return state;
    }

    public RunnerPhase phase() {
        return phase;
    }

    /** Why the runner ended, or else the last failed transaction's error; null when there was none. */
    public String lastError() {
        String e = terminalError;
        return e != null ? e : lineage.lastError();
    }

    /** Ready = restored (or started fresh), holding partitions, and the last snapshot transaction did not fail. */
    public boolean ready() {
        return phase == RunnerPhase.RUNNING && input.holdsPartitions() && lineage.consecutiveFailures() == 0;
    }

    /** Stopped for good (see {@link RunnerPhase#terminal}). */
    public boolean terminated() {
        return phase.terminal();
    }

    public Set<TopicPartition> assignedPartitions() {
        return input.assigned();
    }

    public long lag() {
        return input.lag();
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
        return input.revocations();
    }

    /** Keep-alive polls made while training a long poll's records (see {@link InputConsumer#keepAlive}). */
    public long keepAlives() {
        return input.keepAlives();
    }

    /** The last committed snapshot (safetensors), or null before the first. */
    public byte[] lastSnapshot() {
        return lineage.lastSnapshot();
    }

    /** The snapshot early stopping last tagged best (lowest validation loss), or null; its version is in its metadata. */
    public byte[] bestSnapshot() {
        return lineage.bestSnapshot();
    }

    /** The version of {@link #bestSnapshot()}, or -1 when there is none. */
    public long bestVersion() {
        return lineage.bestVersion();
    }

    /** Asks the training thread to resume updates that early stopping paused; false when they are not paused. */
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
        input.wakeup();
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
            moveTo(RunnerPhase.RESTORING);
            restore();
            deadLetters.ensureTopic(clients);
            input.subscribe(clients.trainingConsumer(transactionalId, "streamfit-" + spec.id()), new Rebalance());
            moveTo(RunnerPhase.RUNNING);
            loop();
            if (abandoning) {
                lineage.abortOpen();
            } else {
                publishIfChanged();
                lineage.settle(); // shutdown waits for the final commit
            }
            moveTo(RunnerPhase.STOPPED);
        } catch (ProducerFencedException e) {
            fenced(e);
        } catch (SnapshotLineage.Abandoned e) {
            moveTo(RunnerPhase.STOPPED);
            LOG.infof("model %s given up without a final snapshot: another instance owns it now", spec.id());
        } catch (DivergedException e) {
            end(RunnerPhase.DIVERGED, e.getMessage());
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
            lineage.close();
            input.close();
        }
    }

    private void restore() {
        if (spec.batchSize() < BatchNorm.MEANINGFUL_BATCH && spec.hasLayer("batch_norm")) {
            LOG.warnf("model %s: batch_size %d is below %d: batch-norm statistics of so few examples are noisy "
                    + "(consider layer_norm); counted in streamfit_batch_norm_small_batch_steps_total",
                    spec.id(), spec.batchSize(), BatchNorm.MEANINGFUL_BATCH);
        }
        SnapshotLineage.Start start = lineage.restore(new LineageHooks());
        state = start.state();
        if (spec.earlyStopping() != null) {
            listener.enableEarlyStopping(state.earlyStopping());
        }
        restoredVersion = state.version();
        restoredPositions = Map.copyOf(state.positions());
        state.versionAtLeast(start.highestVersion());
        resetToState();
        listener.restored(state);
    }

    /** Points the batcher, the dead letters and the snapshot policy's counters at the current state. */
    private void resetToState() {
        untrainedSinceSnapshot = 0;
        batcher.resume(state.positions());
        stepsAtSnapshot = state.steps();
        positionsAtSnapshot = state.positions();
        deadLetters.resumeAt(state.consumed());
        lastSnapshotNanos = System.nanoTime();
    }

    private void loop() throws InterruptedException {
        long progressAt = System.nanoTime();
        long examplesAtProgress = state.examplesSeen();
        while (!stopping) {
            lineage.awaitOffsetsAdded(); // a rebalance in this poll must not outdate their generation
            ConsumerRecords<byte[], byte[]> records = input.poll(settings.pollTimeout());
            if (records == null) {
                break; // woken by stop()
            }
            // Records are trained in the order the consumer returned them; a rollback abandons
            // the rest of the poll (the consumer was sought back: it is stale), and so does a
            // stop (the snapshot covers what was trained; the rest is the next run's to train).
            training.run(records.partitions().stream().flatMap(tp -> records.records(tp).stream()).iterator());
            lineage.settleIfFinished();
            listener.lag(input.updateLag());
            maybePublish();
            long now = System.nanoTime();
            if (now - progressAt >= settings.progressInterval().toNanos()) {
                ModelState s = state;
                LOG.infof("model=%s examples/s=%.0f steps=%d examples=%d prequential_loss=%.4f prequential_accuracy=%.4f lr=%.3g "
                        + "snapshot_version=%d lag=%d", spec.id(), Math.max(0, s.examplesSeen() - examplesAtProgress) / ((now - progressAt) / 1e9),
                        s.steps(), s.examplesSeen(), s.window().loss(), s.window().accuracy(), s.currentLr(), s.version(), input.lag());
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
            deadLetters.send(r, e);
        }

        @Override
        public void beforeStep() {
            EarlyStopping es = state.earlyStopping();
            if (resumeRequested) {
                resumeRequested = false;
                if (es.resume()) {
                    resumesApplied++;
                    LOG.infof("model %s: updates resumed on request", spec.id());
                }
            }
            resumesBefore = es == null ? 0 : es.resumes();
        }

        @Override
        public void afterStep(ConsumerRecord<byte[], byte[]> r, StepResult res, long nanos) throws InterruptedException {
            if (res.skipped()) {
                LOG.warnf("model %s skipped a step: loss %s or gradient norm %s is not finite (%d in a row)", spec.id(),
                        res.lossSum() / res.examples(), res.gradNorm(), state.consecutiveBadSteps());
                if (divergence.diverged(state)) {
                    divergenceRollback(); // abandons the rest of the poll
                    return;
                }
            }
            EarlyStopping es = state.earlyStopping();
            if (es != null) {
                listener.earlyStopping(es);
                if (es.resumes() > resumesBefore && res.check() == null) {
                    LOG.infof("model %s: updates resumed after %d paused batches", spec.id(), spec.earlyStopping().resumeAfterBatches());
                }
                if (!res.applied()) {
                    untrainedSinceSnapshot++;
                }
            }
            if (input.keepAliveDue()) {
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
            } else {
                lineage.settleIfFinished(); // book an ended commit without waiting
            }
        }
    }

    /**
     * A keep-alive poll ({@link InputConsumer#keepAlive}); should a rebalance take partitions away
     * meanwhile (their progress was published by the rebalance listener), the rest of the poll is
     * dropped and training goes on from the last committed snapshot, so nothing is trained twice
     * or lost.
     */
    private void keepAlive() throws InterruptedException {
        lineage.awaitOffsetsAdded();
        if (input.keepAlive() && !training.abandoned()) {
            lineage.rollBack();
        }
    }

    /**
     * Goes on from {@code committed} (a rollback): the batcher and the bookkeeping at its
     * positions, early stopping's meters re-based, an operator's resume that no committed snapshot
     * reflects yet applied again, the consumer sought back, the rest of the poll dropped.
     */
    private void continueFrom(ModelState committed) {
        state = committed;
        resetToState();
        if (state.earlyStopping() != null) {
            listener.rebaseEarlyStopping(state.earlyStopping());
            resumeRequested |= resumesApplied > lineage.resumesCommitted();
        }
        input.seekAssigned(state.positions());
        training.abandon();
    }

    /** After {@code max_bad_steps} non-finite steps in a row: see {@link DivergencePolicy}. */
    private void divergenceRollback() throws InterruptedException {
        ModelState diverged = state;
        if (!lineage.abortOpen()) {
            return; // the abort failed, and recovery rolled back
        }
        ModelState committed = lineage.committedState();
        String giveUp = divergence.rollBack(diverged, committed);
        state = committed;
        listener.divergence(committed.lrScale());
        if (giveUp != null) {
            throw new DivergedException(giveUp);
        }
        LOG.warnf("model %s diverged: rolled back to snapshot version %d, learning rate now %.3g of the schedule's "
                + "(rollback %d in a row, at most %d)", spec.id(), committed.version(), committed.lrScale(), committed.rollbacksInARow(),
                spec.divergence().maxRollbacks());
        continueFrom(committed);
    }

    /**
     * Reports a completed validation check; a new best is published at once, tagged best, so the
     * best snapshot is exactly the model that was validated. Returns whether it published.
     */
    private boolean validationCheck(EarlyStopping.Check c) throws InterruptedException {
        if (c.paused()) {
            LOG.infof("model %s: validation loss %.5f has not improved on %.5f for %d checks: updates paused",
                    spec.id(), c.loss(), state.earlyStopping().best(), spec.earlyStopping().patience());
        } else if (c.resumed()) {
            LOG.infof("model %s: validation loss rose to %.5f: updates resumed", spec.id(), c.loss());
        }
        if (!c.improved()) {
            return false;
        }
        publish(true);
        return true;
    }

    private void maybePublish() throws InterruptedException {
        double everySeconds = spec.snapshot().everySeconds();
        if ((everySeconds > 0 && (System.nanoTime() - lastSnapshotNanos) / 1e9 >= everySeconds)
                || lineage.openLongerThan(settings.maxTransactionOpen())) {
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
        if (!lineage.inTransaction() && state.steps() == stepsAtSnapshot && batcher.positions().equals(positionsAtSnapshot)) {
            lastSnapshotNanos = System.nanoTime();
            return;
        }
        publish(false);
    }

    /** Hands the state as a snapshot to the lineage; the snapshot policy's counters restart (recovery resets them on failure). */
    private void publish(boolean best) throws InterruptedException {
        Map<Integer, Position> positions = batcher.positions();
        if (!lineage.publish(state, positions, batcher.consumed(), best, resumesApplied, input.groupMetadata())) {
            return;
        }
        untrainedSinceSnapshot = 0;
        stepsAtSnapshot = state.steps();
        positionsAtSnapshot = Map.copyOf(positions);
        lastSnapshotNanos = System.nanoTime();
    }

    /** Moves along the life cycle; a move {@link RunnerPhase} does not allow is a bug, and fails the model. */
    private void moveTo(RunnerPhase next) {
        if (!phase.canMoveTo(next)) {
            throw new IllegalStateException("model " + spec.id() + ": no move from " + phase + " to " + next);
        }
        phase = next;
    }

    /** Ends in a terminal phase with {@code error} (never throws: it runs in the thread's last catch). */
    private void end(RunnerPhase terminal, String error) {
        terminalError = error;
        if (phase.canMoveTo(terminal)) {
            phase = terminal;
        }
    }

    private void fenced(ProducerFencedException e) {
        end(RunnerPhase.FENCED, e.toString());
        LOG.errorf("model %s was fenced by another instance (%s): giving it up, publishing nothing more", spec.id(), e);
    }

    private void failed(Throwable e) {
        phase = phase.terminal() ? phase : RunnerPhase.FAILED; // first: building the message allocates, and may fail after an OutOfMemoryError
        terminalError = e.getMessage() == null || e instanceof Error ? e.toString() : e.getMessage();
        listener.failed();
        LOG.errorf(e, "model %s stopped: %s", spec.id(), terminalError);
    }

    /** The lineage's view of this runner. */
    private final class LineageHooks implements SnapshotLineage.Runner {
        @Override
        public ModelState state() {
            return state;
        }

        @Override
        public void continueFrom(ModelState committed) {
            ModelRunner.this.continueFrom(committed);
        }

        @Override
        public void abandonPoll() {
            training.abandon();
        }

        @Override
        public boolean abandoning() {
            return abandoning;
        }

        @Override
        public boolean stopping() {
            return stopping;
        }
    }

    /** Seeks new partitions to the committed positions; publishes before partitions go away. */
    private final class Rebalance implements InputConsumer.Rebalances {
        @Override
        public Map<Integer, Position> beforeAssigned() {
            settleInCallback(); // the positions to seek to are the committed snapshot's
            return state.positions();
        }

        @Override
        public void beforeRevoked(Collection<TopicPartition> partitions) {
            try {
                if (!partitions.isEmpty() && phase == RunnerPhase.RUNNING) {
                    publishIfChanged(); // offsets of revoked partitions can only be committed now
                }
                lineage.settle(); // committed before the partitions go
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void lost(Collection<TopicPartition> partitions) {
            try {
                if (lineage.settle() && lineage.inTransaction()) {
                    lineage.recover(new KafkaException("partitions lost: " + partitions));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void settleInCallback() {
            try {
                lineage.settle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
