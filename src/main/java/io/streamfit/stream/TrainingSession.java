package io.streamfit.stream;

import io.streamfit.data.Batcher;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.data.TrainingLoop;
import io.streamfit.nn.BatchNorm;
import io.streamfit.snapshot.Lineage;
import io.streamfit.snapshot.Position;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.Batch;
import io.streamfit.train.DivergencePolicy;
import io.streamfit.train.EarlyStopping;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchBoard;
import io.streamfit.train.SearchRun;
import io.streamfit.train.StepResult;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * What a {@link ModelRunner}'s thread does between its start and its end: restore the model from
 * its lineage, poll, train every record through {@link TrainingLoop} (shared with the
 * {@code train} command), publish snapshots ({@link SnapshotPublisher}), go back to the
 * last committed snapshot when a transaction fails or training diverges, and publish a final
 * snapshot at a stop. It holds the model's state; the parts it drives each have a class:
 * {@link SnapshotLineage} (the exactly-once protocol), {@link SnapshotPublisher}, {@link InputConsumer}, {@link DeadLetters},
 * {@link DivergencePolicy}, {@link EarlyStoppingControl}; {@link RunnerListener} observes.
 *
 * <p>Call order, on the runner's thread: {@link #restore}, {@link #subscribe}, {@link #loop},
 * {@link #finish}, and {@link #close} however it ended. The getters may be read from any thread.
 */
final class TrainingSession implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TrainingSession.class);

    /** A Kafka record as {@link TrainingLoop} sees it. */
    private static final TrainingLoop.RecordView<ConsumerRecord<byte[], byte[]>> KAFKA_RECORDS = new TrainingLoop.RecordView<>(
            ConsumerRecord::partition, ConsumerRecord::offset, ConsumerRecord::value);

    /** Training diverged again after the allowed rollbacks: the model stops, serving its last good state. */
    static final class Diverged extends RuntimeException {
        Diverged(String message) {
            super(message);
        }
    }

    private final ModelSpec spec;
    private final KafkaClients clients;
    private final RunnerListener listener;
    private final RunnerSettings settings;
    private final ModelRunner runner;
    private final Batcher batcher;
    private final TrainingLoop<ConsumerRecord<byte[], byte[]>> training;
    private final SnapshotLineage lineage;
    private final InputConsumer input;
    private final DeadLetters deadLetters;
    /** The starting point and, with distillation, the teacher. */
    private final PretrainedSource pretrained;
    private final DivergencePolicy divergence;
    private final SnapshotPublisher publisher;
    private final EarlyStoppingControl earlyStopping;
    private final Callbacks callbacks = new Callbacks();
    private final HeldOutTap heldOut;
    private final UserPause userPause;
    private final String transactionalId;

    private volatile ModelState state;
    /** The search the spec runs (null if it runs none); {@link #state} is its lead. */
    private final SessionSearch search;
    private volatile long restoredVersion = -1;
    private volatile Map<Integer, Position> restoredPositions = Map.of();

    TrainingSession(ModelRunner runner, KafkaClients clients, SnapshotStore store, RunnerListener listener,
            RunnerSettings settings) {
        this.runner = runner;
        this.heldOut = new HeldOutTap(runner::version);
        this.spec = runner.spec();
        this.clients = clients;
        this.listener = listener;
        this.settings = settings;
        this.batcher = new Batcher(spec.batchSize());
        this.training = new TrainingLoop<>(new RecordDecoder(spec)::decode, batcher, KAFKA_RECORDS, new Steps(), listener,
                settings.decodeAheadBytes(), "decode-" + spec.id());
        this.transactionalId = settings.groupPrefix() + spec.id();
        this.pretrained = new PretrainedSource(spec, store, settings.pretrainedFiles());
        this.lineage = new SnapshotLineage(spec, clients, store, pretrained, listener, transactionalId);
        this.input = new InputConsumer(spec.id(), spec.topic(), clients.maxPollIntervalMs());
        this.deadLetters = new DeadLetters(spec, lineage);
        this.divergence = new DivergencePolicy(spec.divergence());
        this.earlyStopping = new EarlyStoppingControl(spec);
        this.search = spec.searches() ? new SessionSearch(spec, listener) : null;
        this.publisher = new SnapshotPublisher(lineage, new SnapshotSchedule(spec.snapshot()), batcher, earlyStopping, input,
                settings.maxTransactionOpen(), search == null ? SnapshotPublisher.Progress.MODEL : search);
        this.userPause = new UserPause(runner, listener, input, lineage, publisher, settings.pollTimeout());
    }

    /** The current state, or null before restore. */
    ModelState state() {
        return state;
    }

    SnapshotLineage lineage() {
        return lineage;
    }

    HeldOutTap heldOut() {
        return heldOut;
    }

    /** Training stopped for the user's pause (after its snapshot); false again once it trains. */
    boolean userPauseApplied() {
        return userPause.applied();
    }

    /** The search's leaderboard as of its last batch, or null for a model that does not search. */
    SearchBoard board() {
        return search == null ? null : search.board();
    }

    InputConsumer input() {
        return input;
    }

    EarlyStoppingControl earlyStopping() {
        return earlyStopping;
    }

    long restoredVersion() {
        return restoredVersion;
    }

    Map<Integer, Position> restoredPositions() {
        return restoredPositions;
    }

    /** Restores the model from its lineage (or starts it fresh): the producer first, fencing older instances. */
    void restore() {
        if (spec.batchSize() < BatchNorm.MEANINGFUL_BATCH && spec.hasLayer(BatchNorm.KIND)) {
            LOG.warnf("model %s: batch_size %d is below %d: batch-norm statistics of so few examples are noisy "
                    + "(consider layer_norm); counted in streamfit_batch_norm_small_batch_steps_total",
                    spec.id(), spec.batchSize(), BatchNorm.MEANINGFUL_BATCH);
        }
        SnapshotLineage.Start start = lineage.restore(callbacks);
        pretrained.teacher(); // a distillation teacher that cannot teach fails the model here, with the reason
        state = start.state();
        if (search != null) {
            state = search.restore(lineage.lastCommitted());
        }
        if (spec.earlyStopping() != null) {
            listener.enableEarlyStopping(state.earlyStopping());
        }
        restoredVersion = start.restored().version();
        restoredPositions = start.restored().positions();
        resetToState();
        listener.restored(state, lineage.current().version());
    }

    /** Whether a search runs and has not yet chosen its winner: divergence rollback and early stopping's control are off. */
    private boolean searching() {
        return search != null && search.searching();
    }

    /** Points the batcher, the dead letters and the publisher at the committed lineage and the current state. */
    private void resetToState() {
        Lineage committed = lineage.current();
        batcher.resume(committed.positions());
        deadLetters.resumeAt(committed.consumed());
        publisher.restartedFrom(state, committed);
    }

    /** Polls and trains until a stop is asked for. */
    void loop() throws InterruptedException {
        ProgressLog progress = new ProgressLog(spec.id(), settings.progressInterval(), state.examplesSeen());
        while (!runner.stopRequested()) {
            lineage.transactions().awaitOffsetsAdded(); // a rebalance in this poll must not outdate their generation
            UserPause.Turn turn = userPause.turn(state);
            if (turn == UserPause.Turn.WOKEN) {
                break; // woken by stop()
            } else if (turn == UserPause.Turn.PAUSED) {
                continue;
            }
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
            publisher.betweenPolls(state);
            progress.maybeLog(state, lineage.current().version(), input.lag());
        }
    }

    /** What the service does around {@link TrainingLoop}'s decode, batch and train. */
    private final class Steps implements TrainingLoop.Hooks<ConsumerRecord<byte[], byte[]>> {
        @Override
        public ModelState state() {
            return state;
        }

        @Override
        public StepResult train(Batch batch) {
            heldOut.offer(state, batch); // before the step: those rows stay unseen by the copy
            if (search == null) {
                return state.train(batch, pretrained.teacher());
            }
            StepResult r = search.train(batch);
            state = search.lead();
            return r;
        }

        @Override
        public boolean stopping() {
            return runner.stopRequested();
        }

        @Override
        public void rejected(ConsumerRecord<byte[], byte[]> r, RejectedRecordException e) throws InterruptedException {
            deadLetters.send(r, e);
        }

        @Override
        public void beforeStep() {
            if (state.earlyStopping() != null && !searching()) {
                earlyStopping.beforeStep(state.earlyStopping());
            }
        }

        @Override
        public void afterStep(ConsumerRecord<byte[], byte[]> r, StepResult res, long nanos) throws InterruptedException {
            if (search != null && search.justEnded()) {
                // The winner's first snapshot, before anything can roll it back: a rollback to a
                // snapshot from before the end would train the search again, and a winner that
                // diverges there would be rolled back to it over and over.
                publisher.publishIfChanged(state);
                search.endPublished();
                return; // res was the last lead's, not the winner's
            }
            if (res.skipped() && !searching()) { // while searching, a trial that diverges only ranks last
                LOG.warnf("model %s skipped a step: loss %s or gradient norm %s is not finite (%d in a row)", spec.id(),
                        res.lossSum() / res.examples(), res.gradNorm(), state.consecutiveBadSteps());
                if (divergence.diverged(state)) {
                    divergenceRollback(); // abandons the rest of the poll
                    return;
                }
            }
            if (res.drift() && !searching() && !DriftAlarm.handle(spec, state, res, lineage, listener)) {
                return; // rolled back to before the alarm
            }
            EarlyStopping es = state.earlyStopping();
            boolean newBest = false;
            if (es != null && !searching()) {
                listener.earlyStopping(es);
                newBest = earlyStopping.afterStep(es, res);
                if (!res.applied() && search == null) { // a search's schedule counts every batch
                    publisher.untrainedBatch();
                }
            }
            if (input.keepAliveDue()) {
                keepAlive();
            }
            publisher.afterStep(state, newBest);
        }
    }

    /**
     * A keep-alive poll ({@link InputConsumer#keepAlive}); should a rebalance take partitions away
     * meanwhile (their progress was published by the rebalance listener), the rest of the poll is
     * dropped and training goes on from the last committed snapshot, so nothing is trained twice
     * or lost.
     */
    private void keepAlive() throws InterruptedException {
        lineage.transactions().awaitOffsetsAdded();
        if (input.keepAlive() && !training.abandoned()) {
            lineage.rollBack();
        }
    }

    /**
     * Goes on from {@code committed} (a rollback): the batcher and the bookkeeping at its
     * positions, early stopping's meters re-based, an operator's resume that no committed snapshot
     * reflects yet applied again, the consumer sought back, the rest of the poll dropped, and the
     * listener shown the committed state (nothing trained since its snapshot is left uncommitted).
     */
    private void continueFrom(ModelState committed) {
        state = committed;
        if (search != null) {
            state = search.restore(lineage.lastCommitted());
            if (search.run().done()) {
                search.run().continueWinner(committed); // as a divergence rollback left it
                state = committed;
            }
        }
        resetToState();
        if (state.earlyStopping() != null) {
            listener.rebaseEarlyStopping(state.earlyStopping());
            earlyStopping.rolledBackTo(lineage.resumesCommitted());
        }
        input.seekAssigned(lineage.current().positions());
        training.abandon();
        listener.rolledBack(state);
    }

    /** After {@code max_bad_steps} non-finite steps in a row: see {@link DivergencePolicy}. */
    private void divergenceRollback() throws InterruptedException {
        ModelState diverged = state;
        if (!lineage.abortOpen()) {
            return; // the abort failed, and recovery rolled back
        }
        ModelState committed = lineage.committedState();
        String giveUp = divergence.rollBack(diverged, committed, lineage.current().version());
        state = committed;
        listener.divergence(committed.lrScale());
        if (giveUp != null) {
            throw new Diverged(giveUp);
        }
        LOG.warnf("model %s diverged: rolled back to snapshot version %d, learning rate now %.3g of the schedule's "
                + "(rollback %d in a row, at most %d)", spec.id(), lineage.current().version(), committed.lrScale(),
                committed.rollbacksInARow(),
                spec.divergence().maxRollbacks());
        continueFrom(committed);
    }

    /** Subscribes to the input topic; partitions are sought to the restored positions as they are assigned. */
    void subscribe() throws InterruptedException {
        deadLetters.ensureTopic(clients);
        input.subscribe(clients.trainingConsumer(transactionalId, "streamfit-" + spec.id()), callbacks);
    }

    /** After the loop: a final snapshot (waiting for its commit), or, for a model given up, the open transaction aborted. */
    void finish() throws InterruptedException {
        if (runner.abandonRequested()) {
            lineage.abortOpen();
        } else {
            publisher.publishIfChanged(state);
            lineage.settle(); // shutdown waits for the final commit
        }
    }

    /** Ends the decoder thread, the commit thread, the producer and the consumer. */
    @Override
    public void close() {
        training.close(); // the decoder thread ends with the model, however it ended
        lineage.close();
        input.close();
    }

    /** What the lineage and the consumer's rebalances ask of this session; training thread only. */
    private final class Callbacks implements LineageOwner, InputConsumer.Rebalances {
        @Override
        public void continueFrom(ModelState committed) {
            TrainingSession.this.continueFrom(committed);
        }

        @Override
        public SearchRun search() {
            return search == null ? null : search.run();
        }

        @Override
        public void abandonPoll() {
            training.abandon();
        }

        @Override
        public boolean abandoning() {
            return runner.abandonRequested();
        }

        @Override
        public boolean stopping() {
            return runner.stopRequested();
        }

        @Override
        public void beforeAssigned() throws InterruptedException {
            lineage.settle(); // the positions to seek to are the committed snapshot's
        }

        @Override
        public Map<Integer, Position> positions() {
            return lineage.current().positions();
        }

        @Override
        public void beforeRevoked(Collection<TopicPartition> partitions) throws InterruptedException {
            if (!partitions.isEmpty() && runner.phase() == RunnerPhase.RUNNING) {
                publisher.publishIfChanged(state); // offsets of revoked partitions can only be committed now
            }
            lineage.settle(); // committed before the partitions go
        }

        @Override
        public void lost(Collection<TopicPartition> partitions) throws InterruptedException {
            if (lineage.settle() && lineage.transactions().inTransaction()) {
                lineage.recover(new KafkaException("partitions lost: " + partitions));
            }
        }
    }
}
