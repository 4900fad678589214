package io.streamfit.stream;

import io.streamfit.snapshot.Lineage;
import io.streamfit.snapshot.Position;
import io.streamfit.snapshot.SearchSnapshots;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchRun;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jboss.logging.Logger;

/**
 * A model's published lineage on the snapshot topic, both sides: reading it (restore, and again
 * after a transaction whose outcome is unknown) and writing it (snapshot transactions, with dead
 * letters in them), and going back to it when a transaction fails. The producer and its open
 * transaction are {@link SnapshotTransactions}'; {@link SnapshotCommitter} commits on its own thread.
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
 *   <li>A snapshot is booked (version, served bytes, best) only once its commit succeeded
 *       ({@link #settle}); the producer does nothing else until then.</li>
 *   <li>Dead letters ({@link #send}) go in the same transaction as the next snapshot, so they
 *       appear exactly when the offsets that pass them are committed.</li>
 *   <li>Versions keep increasing, past any snapshot that failed to decode or to commit.</li>
 *   <li>If a transaction fails, it is aborted (or, when even that fails, the producer is replaced,
 *       which makes the coordinator finish it one way or the other), the model goes back to the
 *       last committed snapshot ({@link LineageOwner#continueFrom}; re-read from the topic when the
 *       outcome is unknown) and retries back off. Errors no retry can fix end in {@link FatalModelException};
 *       {@link ProducerFencedException} is always rethrown: another instance owns the model.
 *       A model being given up ({@link LineageOwner#abandoning}) never gets a new producer, whose
 *       {@code initTransactions} would fence the rightful owner.</li>
 * </ul>
 *
 * <p>Call order: {@link #restore} first; then everything on the training thread, the consumer's
 * owner, including its rebalance callbacks; {@link #close} last. Not thread-safe, except the
 * getters the status endpoint reads.
 */
final class SnapshotLineage implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SnapshotLineage.class);
    private static final long MAX_BACKOFF_MS = 30_000;
    /** Room for key, headers and record-batch framing when checking a record against a size limit. */
    static final int RECORD_OVERHEAD = 16 * 1024;

    private final ModelSpec spec;
    private final SnapshotStore store;
    private final PretrainedSource pretrained;
    private final RunnerListener listener;
    private final SnapshotTransactions transactions;
    private LineageOwner runner;
    /**
     * Where the lineage stands: the last committed snapshot's positions and consumed offsets, and a
     * version at least its own and past every version used or seen on the topic.
     */
    private volatile Lineage current = Lineage.START;
    private volatile int consecutiveFailures;
    private volatile String lastError;
    private final ServedSnapshots served = new ServedSnapshots();
    /** The snapshot a drift alarm asked to tag, until the next snapshot's transaction carries it. */
    private SnapshotCommitter.PreDrift preDrift;
    /** How many operator resumes the last committed snapshot holds. */
    private long resumesCommitted;

    SnapshotLineage(ModelSpec spec, KafkaClients clients, SnapshotStore store, PretrainedSource pretrained,
            RunnerListener listener,
            String transactionalId) {
        this.spec = spec;
        this.store = store;
        this.pretrained = pretrained;
        this.listener = listener;
        this.transactions = new SnapshotTransactions(clients, transactionalId, store.maxBytes(), "commit-" + spec.id());
    }

    /** Where a run starts: {@code state} as restored (or fresh), and the lineage of the snapshot it came from. */
    record Start(ModelState state, Lineage restored) {}

    /**
     * Initializes the producer (fencing older instances), then reads the newest usable snapshot,
     * or starts from the spec's seed or pre-trained source.
     */
    Start restore(LineageOwner runner) {
        this.runner = runner;
        transactions.open(); // fences older instances before we read their snapshots
        SnapshotStore.Restored r = store.latest(spec);
        ModelState state;
        Lineage restored = Lineage.START;
        if (r.snapshot().isPresent()) {
            state = r.snapshot().get().state();
            restored = r.snapshot().get().lineage();
            served.committed(r.bytes(), restored.version());
            LOG.infof("model %s restored snapshot version %d (step %d, %d examples) at positions %s",
                    spec.id(), restored.version(), state.steps(), state.examplesSeen(), restored.positions());
        } else {
            state = pretrained.startingState();
            LOG.infof("model %s has no usable snapshot: starting fresh from seed %d (%d parameters)%s",
                    spec.id(), spec.seed(), state.network().paramCount(), spec.pretrained() == null ? ""
                            : ", pre-trained from " + (spec.pretrained().model() != null
                                    ? "model " + spec.pretrained().model()
                                    : spec.pretrained().file()));
        }
        if (spec.earlyStopping() != null) {
            restoreBest(state, restored.version());
        }
        current = restored.versionAtLeast(r.highestVersion()); // newer snapshots may have been unusable
        return new Start(state, restored);
    }

    /** Where the lineage stands (see the field); from any thread. */
    Lineage current() {
        return current;
    }

    /** The last committed snapshot (null before the first): what a rollback goes back to. */
    byte[] lastCommitted() {
        return served.last();
    }

    /** The last committed pre-drift snapshot (the topic is read for it once, from any thread), or null. */
    byte[] preDrift() {
        return served.preDrift(() -> store.preDrift(spec.id()));
    }

    /** The last committed snapshot and the best one, as served. */
    ServedSnapshots served() {
        return served;
    }

    /** Failed transactions (or reconnection attempts) since the last success; 0 when healthy. */
    int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** The last transaction failure, or null. */
    String lastError() {
        return lastError;
    }

    /** Operator resumes held by the last committed snapshot. */
    long resumesCommitted() {
        return resumesCommitted;
    }

    /** The producer and its open transaction. */
    SnapshotTransactions transactions() {
        return transactions;
    }

    /** Books a commit that already ended, without waiting; false as {@link #settle}. */
    boolean settleIfFinished() throws InterruptedException {
        return !transactions.commitFinished() || settle();
    }

    /**
     * Waits for the commit in flight, if any, and books it: committed, the state and the served
     * snapshots move to it; failed, the same recovery as a failed transaction on this thread
     * ({@link #recover}, fencing rethrown). Returns false when it failed and recovery took over.
     */
    boolean settle() throws InterruptedException {
        SnapshotCommitter.Outcome o = transactions.awaitCommit();
        if (o == null) {
            return true;
        }
        KafkaException failed = o.recoverable(); // fencing and errors other than Kafka's are thrown
        if (failed != null) {
            recover(failed);
            return false;
        }
        SnapshotCommitter.Snapshot s = o.snapshot();
        failuresInARow(0);
        current = new Lineage(Math.max(s.version(), current.version()), s.positions(), s.consumed());
        served.committed(s.bytes(), s.version());
        resumesCommitted = s.resumesApplied();
        if (s.best()) {
            served.best(s.bytes(), s.version());
            listener.bestSnapshot();
        }
        if (s.preDrift() != null) {
            served.preDrift(s.preDrift().bytes());
        }
        listener.snapshot(s.version(), s.examplesSeen(), s.bytes().length, s.stallNanos(), o.commitNanos());
        LOG.debugf("model %s published snapshot version %d (%d bytes) at %s", spec.id(), s.version(), s.bytes().length,
                s.positions());
        return true;
    }

    /**
     * Encodes {@code state} as the next version and hands it, with the offsets it covers, to the
     * committer in one transaction (under the best key too when {@code best}). Returns false when
     * nothing was handed over: the model is being given up, or the commit before (or this one's
     * begin) failed and recovery rolled back.
     */
    boolean publish(ModelState state, Map<Integer, Position> positions, Map<Integer, Long> consumed, boolean best,
            long resumesApplied, ConsumerGroupMetadata group) throws InterruptedException {
        long started = System.nanoTime();
        if (runner.abandoning() || !settle()) {
            return false;
        }
        long version = current.version() + 1;
        SearchRun search = runner.search();
        byte[] bytes = search == null ? SnapshotCodec.encode(state, version, positions, consumed)
                : SearchSnapshots.encode(search, spec, version, positions, consumed);
        if (bytes.length + RECORD_OVERHEAD > store.maxBytes()) {
            throw new FatalModelException("snapshot of " + bytes.length + " bytes exceeds the snapshot topic's limit of "
                    + store.maxBytes() + " bytes (streamfit.snapshot.max-bytes / the topic's max.message.bytes)", null);
        }
        SnapshotCommitter.Snapshot snapshot = new SnapshotCommitter.Snapshot(version, bytes, Map.copyOf(positions),
                Map.copyOf(consumed), best, state.examplesSeen(), System.nanoTime() - started, resumesApplied, preDrift);
        preDrift = null; // a failed commit rolls back to before the alarm, which raises it (and this) again
        return onProducer(
                () -> transactions.commit(store.topic(), spec.id(), SnapshotStore.bestKey(spec.id()), spec.topic(), group,
                        snapshot));
    }

    /** Sends {@code record} in the open (or a new) transaction; false when that failed and recovery rolled back. */
    boolean send(ProducerRecord<byte[], byte[]> record) throws InterruptedException {
        if (!settle()) {
            return false; // the snapshot before failed: rolled back, and this record is read again
        }
        return onProducer(() -> transactions.send(record));
    }

    /**
     * Aborts the open transaction, if any (quietly for a model being given up); returns false when
     * that failed and {@link #recover} took over.
     */
    boolean abortOpen() throws InterruptedException {
        if (!settle()) {
            return false;
        }
        if (!transactions.inTransaction()) {
            return true;
        }
        if (runner.abandoning()) {
            transactions.abortQuietly(spec.id());
            return true;
        }
        return onProducer(transactions::abort);
    }

    /**
     * Runs {@code action} on the producer: true when it succeeded; a Kafka error is recovered from
     * ({@link #recover}) and gives false; fencing is rethrown (another instance owns the model).
     */
    private boolean onProducer(Runnable action) throws InterruptedException {
        try {
            action.run();
            return true;
        } catch (ProducerFencedException e) {
            throw e;
        } catch (KafkaException e) {
            recover(e);
            return false;
        }
    }

    /** What {@link #tagPreDrift} did. */
    enum PreDriftTag {
        /** The last committed snapshot goes under {@code <id>/pre-drift} with the next one. */
        TAGGED,
        /** Nothing committed yet: nothing to tag. */
        NOTHING_COMMITTED,
        /** The commit in flight failed and recovery rolled back to before the alarm (which will come again). */
        ROLLED_BACK
    }

    /**
     * A drift alarm: waits for a commit in flight (so that the last committed snapshot is the last
     * one taken before the alarm), then tags that snapshot {@code <id>/pre-drift} in the
     * transaction of the next one, exactly once with it.
     */
    PreDriftTag tagPreDrift() throws InterruptedException {
        if (!settle()) {
            return PreDriftTag.ROLLED_BACK;
        }
        byte[] last = served.last();
        if (last == null) {
            return PreDriftTag.NOTHING_COMMITTED;
        }
        preDrift = new SnapshotCommitter.PreDrift(last, served.lastVersion());
        return PreDriftTag.TAGGED;
    }

    /** Aborts the open transaction and goes on from the last committed state; false when recovery took over instead. */
    boolean rollBack() throws InterruptedException {
        if (!abortOpen()) {
            return false;
        }
        runner.continueFrom(committedState());
        return true;
    }

    /**
     * The model as the last committed snapshot has it (a fresh one before the first), decoded
     * anew. A pre-drift tag not yet published is dropped: the model goes back to before its alarm,
     * which comes again if the data says so.
     */
    ModelState committedState() {
        preDrift = null;
        try {
            byte[] last = served.last();
            return last == null ? pretrained.startingState() : SnapshotCodec.decode(last, spec);
        } catch (SnapshotFormatException e) {
            throw new IllegalStateException("the last committed snapshot no longer decodes", e);
        }
    }

    /**
     * After a failed transaction: abort (or, if even that fails, start a new producer, which makes
     * the coordinator finish the old transaction one way or the other), go back to the last
     * committed snapshot, and back off.
     */
    void recover(KafkaException cause) throws InterruptedException {
        if (runner.abandoning()) {
            // Another instance owns the model now: no retry, and above all no new producer, whose
            // initTransactions would fence the rightful owner. Give up the transaction and stop.
            transactions.abortQuietly(spec.id());
            runner.abandonPoll();
            return;
        }
        if (SnapshotCommitter.permanent(cause)) {
            throw new FatalModelException("snapshot transaction failed permanently: " + cause, cause);
        }
        failuresInARow(consecutiveFailures + 1);
        preDrift = null; // back to before the alarm (see committedState)
        lastError = cause.toString();
        listener.rollback();
        LOG.errorf("model %s: transaction failed (%s), attempt %d; rolling back to the last committed snapshot",
                spec.id(), cause, consecutiveFailures);
        runner.continueFrom(transactions.abortKnowingOutcome(spec.id()) ? committedState() : reopen());
        backOff();
    }

    /**
     * After a transaction whose outcome is unknown: a new producer (its initTransactions makes the
     * coordinator finish the old transaction one way or the other), then the state and lineage as
     * the snapshot topic has them (keeping every version used so far behind). Retried with back-off while the cluster is unreachable; only fencing
     * or errors no retry can fix get out.
     */
    private ModelState reopen() throws InterruptedException {
        while (true) {
            if (runner.abandoning()) {
                // Given up while the cluster was unreachable: a new producer's initTransactions
                // would fence the instance that owns the model now.
                throw new AbandonedException();
            }
            try {
                transactions.open();
                SnapshotStore.Restored r = store.latest(spec);
                ModelState state = r.snapshot().map(SnapshotCodec.Decoded::state).orElseGet(pretrained::startingState);
                current = r.snapshot().map(SnapshotCodec.Decoded::lineage).orElse(Lineage.START)
                        .versionAtLeast(Math.max(current.version(), r.highestVersion()));
                served.committed(r.bytes(), r.snapshot().map(d -> d.lineage().version()).orElse(0L));
                if (spec.earlyStopping() != null) {
                    // The unknown transaction may have committed a new best: take it from the topic.
                    restoreBest(state, current.version());
                }
                return state;
            } catch (ProducerFencedException e) {
                throw e;
            } catch (KafkaException | IllegalStateException e) {
                if (SnapshotCommitter.permanent(e)) {
                    throw new FatalModelException("cannot recover: " + e, e);
                }
                if (runner.stopping()) {
                    throw new FatalModelException("stopped while the cluster was unreachable; the last committed snapshot stands",
                            e);
                }
                failuresInARow(consecutiveFailures + 1);
                lastError = e.toString();
                LOG.warnf("model %s: cluster still unreachable (%s), attempt %d", spec.id(), e.toString(), consecutiveFailures);
                backOff();
            }
        }
    }

    /** Sets the served best snapshot to the best of the lineage {@code state} (at {@code version}) continues (see {@link SnapshotStore#best}). */
    private void restoreBest(ModelState state, long version) {
        SnapshotStore.Best b = store.best(spec, state, version);
        served.best(b == null ? null : b.bytes(), b == null ? -1 : b.version());
    }

    /** Sets the count of failures since the last commit, and tells the listener when it changed. */
    private void failuresInARow(int n) {
        if (n != consecutiveFailures) {
            consecutiveFailures = n;
            listener.transactionFailuresInARow(n);
        }
    }

    private void backOff() throws InterruptedException {
        Thread.sleep(backOffMillis(consecutiveFailures));
    }

    /**
     * The pause after the {@code failures}-th failure in a row: 0.5 s, 1 s, 2 s, ... up to 30 s. It
     * sets how fast failures can happen, so the alert rules' tests derive their series from it.
     */
    static long backOffMillis(int failures) {
        return Math.min(MAX_BACKOFF_MS, 250L << Math.min(failures, 10));
    }

    /** Ends the commit thread (waiting for a commit in flight), then closes the producer. */
    @Override
    public void close() {
        transactions.close();
    }
}
