package io.streamfit.stream;

import io.streamfit.snapshot.Position;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchBoard;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jboss.logging.Logger;

/**
 * One model's training thread and what the service sees of it: its phase ({@link RunnerPhase}),
 * state, snapshots and partitions, and the requests it takes (stop, abandon, resume). The work
 * between start and end is {@link TrainingSession}'s: restore from the snapshot topic, poll and
 * train, publish snapshots exactly once with the offsets they cover ({@link SnapshotLineage} states
 * the guarantees), roll back when a transaction fails or training diverges.
 *
 * <p>Threads: {@link #run} is the training thread, which owns the consumer, the producer and the
 * state; {@link #stop}, {@link #abandon}, {@link #pause}, the resumes and the getters may be called from
 * any thread. However the thread ends (stopped, fenced, failed with any {@link Throwable},
 * diverged), the phase says so and {@link #lastError} says why; it never dies in a phase that
 * says it is still starting.
 */
public final class ModelRunner implements Runnable {
    private static final Logger LOG = Logger.getLogger(ModelRunner.class);

    private final ModelSpec spec;
    private final RunnerListener listener;
    private final TrainingSession session;
    private volatile RunnerPhase phase = RunnerPhase.STARTING;
    /** Why the runner ended, when it did not stop on request. */
    private volatile String terminalError;
    /** A stop was asked for: finish the batch, publish a final snapshot, exit. */
    private volatile boolean stopping;
    /** Stop without committing anything more: this instance lost the model to another one. */
    private volatile boolean abandoning;
    /** {@link #pause} asked for, and no {@link #resumeFromPause} since. */
    private final AtomicBoolean pausedByUser = new AtomicBoolean();

    public ModelRunner(ModelSpec spec, KafkaClients clients, SnapshotStore store, RunnerListener listener,
            RunnerSettings settings) {
        this.spec = spec;
        this.listener = listener;
        this.session = new TrainingSession(this, clients, store, listener, settings);
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The version of the last committed snapshot (0 before the first; raised past versions that failed). */
    public long version() {
        return session.lineage().current().version();
    }

    /** The positions the last committed snapshot covers, per partition. */
    public Map<Integer, Position> snapshotPositions() {
        return session.lineage().current().positions();
    }

    /** The current state, or null before restore; use {@link ModelState#predict} for inference. */
    public ModelState state() {
        return session.state();
    }

    /** The search's leaderboard as of its last batch; null for a model that does not search, or before its restore. */
    public SearchBoard searchBoard() {
        return session.board();
    }

    /** Rows this model has not trained on, with the parameters they are held out from (for the loss landscape). */
    public HeldOutTap heldOut() {
        return session.heldOut();
    }

    public RunnerPhase phase() {
        return phase;
    }

    /** Why the runner ended, or else the last failed transaction's error; null when there was none. */
    public String lastError() {
        String e = terminalError;
        return e != null ? e : session.lineage().lastError();
    }

    /** Ready = restored (or started fresh), holding partitions, and the last snapshot transaction did not fail. */
    public boolean ready() {
        return phase == RunnerPhase.RUNNING && session.input().holdsPartitions() && session.lineage().consecutiveFailures() == 0;
    }

    /** Stopped for good (see {@link RunnerPhase#terminal}). */
    public boolean terminated() {
        return phase.terminal();
    }

    public Set<TopicPartition> assignedPartitions() {
        return session.input().assigned();
    }

    public long lag() {
        return session.input().lag();
    }

    /** The snapshot version this run restored (0 = started fresh, -1 = not restored yet). */
    public long restoredVersion() {
        return session.restoredVersion();
    }

    /** The positions this run resumed at. */
    public Map<Integer, Position> restoredPositions() {
        return session.restoredPositions();
    }

    /** Rebalances that took partitions from this runner (revoked or lost). */
    public int revocations() {
        return session.input().revocations();
    }

    /** Keep-alive polls made while training a long poll's records (see {@link InputConsumer#keepAlive}). */
    public long keepAlives() {
        return session.input().keepAlives();
    }

    /** The last committed snapshot (safetensors), or null before the first. */
    public byte[] lastSnapshot() {
        return session.lineage().served().last();
    }

    /** The snapshot early stopping last tagged best (lowest validation loss), or null; its version is in its metadata. */
    public byte[] bestSnapshot() {
        return session.lineage().served().best();
    }

    /** The last snapshot committed before a drift alarm (tagged {@code <id>/pre-drift}), or null; its version is in its metadata. */
    public byte[] preDriftSnapshot() {
        return session.lineage().preDrift();
    }

    /** The version of {@link #bestSnapshot()}, or -1 when there is none. */
    public long bestVersion() {
        return session.lineage().served().bestVersion();
    }

    /** Asks the training thread to resume updates that early stopping paused; false when they are not paused. */
    public boolean requestResume() {
        SearchBoard b = session.board();
        // While a search runs its trials' pauses are their own: a resume waits for the winner.
        return !terminated() && (b == null || b.done()) && session.earlyStopping().request(session.state());
    }

    /**
     * Asks the training thread to stop training until {@link #resumeFromPause}: it publishes a
     * snapshot of what it trained, then keeps polling without fetching, so the records stay in
     * Kafka (the lag grows), nothing is lost, and the group keeps its partitions. A pause lasts
     * while this runner runs: a restart or a move to another instance trains again. False when
     * it is paused already or ended.
     */
    public boolean pause() {
        return !terminated() && pausedByUser.compareAndSet(false, true);
    }

    /** Ends a {@link #pause}; false when the model was not paused by its user. */
    public boolean resumeFromPause() {
        return pausedByUser.compareAndSet(true, false);
    }

    /** {@link #pause} asked for (and not resumed): the training thread stops at its next poll. */
    public boolean pausedByUser() {
        return pausedByUser.get();
    }

    /** Training has stopped for {@link #pause}: the records in hand are trained and their snapshot published. */
    public boolean userPauseApplied() {
        return session.userPauseApplied() && pausedByUser.get();
    }

    /** Asks the loop to finish its batch, publish a final snapshot and exit. */
    public void stop() {
        stopping = true;
        session.input().wakeup();
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

    /** Stop requested ({@link #stop} or {@link #abandon}). */
    boolean stopRequested() {
        return stopping;
    }

    /** Giving up requested ({@link #abandon}): commit nothing more. */
    boolean abandonRequested() {
        return abandoning;
    }

    @Override
    public void run() {
        Thread.currentThread().setName("train-" + spec.id());
        try {
            moveTo(RunnerPhase.RESTORING);
            session.restore();
            session.subscribe();
            moveTo(RunnerPhase.RUNNING);
            session.loop();
            session.finish();
            moveTo(RunnerPhase.STOPPED);
        } catch (ProducerFencedException e) {
            fenced(e);
        } catch (AbandonedException e) {
            moveTo(RunnerPhase.STOPPED);
            LOG.infof("model %s given up without a final snapshot: another instance owns it now", spec.id());
        } catch (TrainingSession.Diverged e) {
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
            session.close(); // the decoder and commit threads and the clients end with the model, however it ended
        }
    }

    /** Moves along the life cycle; a move {@link RunnerPhase} does not allow is a bug, and fails the model. */
    private void moveTo(RunnerPhase next) {
        if (!phase.canMoveTo(next)) {
            throw new IllegalStateException("model " + spec.id() + ": no move from " + phase + " to " + next);
        }
        phase = next;
        listener.phase(next);
    }

    /** Ends in a terminal phase with {@code error} (never throws: it runs in the thread's last catch). */
    private void end(RunnerPhase terminal, String error) {
        terminalError = error;
        if (phase.canMoveTo(terminal)) {
            phase = terminal;
            listener.phase(terminal);
        }
    }

    private void fenced(ProducerFencedException e) {
        end(RunnerPhase.FENCED, e.toString());
        LOG.errorf("model %s was fenced by another instance (%s): giving it up, publishing nothing more", spec.id(), e);
    }

    private void failed(Throwable e) {
        phase = phase.terminal() ? phase : RunnerPhase.FAILED; // first: building the message allocates, and may fail after an OutOfMemoryError
        try {
            listener.phase(phase); // allocates nothing in the service's meters
        } catch (RuntimeException listenerFailed) {
            // the phase and the error below are what matter; a listener's failure must not lose them
        }
        terminalError = e.getMessage() == null || e instanceof Error ? e.toString() : e.getMessage();
        LOG.errorf(e, "model %s stopped: %s", spec.id(), terminalError);
    }
}
