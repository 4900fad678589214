package io.streamfit.stream;

import io.streamfit.data.Batcher;
import io.streamfit.snapshot.Lineage;
import io.streamfit.snapshot.Position;
import io.streamfit.train.ModelState;
import java.time.Duration;
import java.util.Map;

/**
 * What a {@link TrainingSession} publishes, and when: the model's state with the batcher's
 * positions and consumed offsets, early stopping's applied operator resumes and the consumer's
 * group metadata, handed to {@link SnapshotLineage} at once for a new best, when
 * {@link SnapshotSchedule} says a snapshot is due (by steps after a step, by time or a transaction
 * open too long between polls), and at a stop or a revocation when anything changed. Never in the
 * middle of a run of non-finite steps: such a state is either rolled back or recovers with its
 * next good step, which is when it is published. Training thread only.
 */
final class SnapshotPublisher {
    /**
     * What the schedule counts, and whether the model is mid-way through a run of non-finite
     * steps; for a model that does not search, its state's steps and bad steps. A search counts
     * its batches (its lead changes as trials stop), and a trial's bad steps do not hold its
     * snapshots back (that trial only ranks last).
     */
    interface Progress {
        long steps(ModelState state);

        boolean inBadRun(ModelState state);

        Progress MODEL = new Progress() {
            @Override
            public long steps(ModelState state) {
                return state.steps();
            }

            @Override
            public boolean inBadRun(ModelState state) {
                return state.consecutiveBadSteps() > 0;
            }
        };
    }

    private final SnapshotLineage lineage;
    private final SnapshotSchedule schedule;
    private final Batcher batcher;
    private final EarlyStoppingControl earlyStopping;
    private final InputConsumer input;
    private final Duration maxTransactionOpen;
    private final Progress progress;

    SnapshotPublisher(SnapshotLineage lineage, SnapshotSchedule schedule, Batcher batcher, EarlyStoppingControl earlyStopping,
            InputConsumer input, Duration maxTransactionOpen, Progress progress) {
        this.progress = progress;
        this.lineage = lineage;
        this.schedule = schedule;
        this.batcher = batcher;
        this.earlyStopping = earlyStopping;
        this.input = input;
        this.maxTransactionOpen = maxTransactionOpen;
    }

    /** The model (re)starts from {@code state} at the committed lineage (restore, rollback): the schedule counts from there. */
    void restartedFrom(ModelState state, Lineage committed) {
        schedule.published(progress.steps(state), committed.positions());
    }

    /** A batch that trained nothing (held out, paused) still counts towards {@code every_steps}. */
    void untrainedBatch() {
        schedule.untrainedBatch();
    }

    /**
     * After a step: a new best at once, tagged best, so the best snapshot is exactly the model
     * that was validated (it covers a step-count snapshot too); else one if {@code every_steps}
     * have passed; else only an ended commit is booked, without waiting.
     */
    void afterStep(ModelState state, boolean newBest) throws InterruptedException {
        if (newBest) {
            publish(state, batcher.positions(), true);
        } else if (schedule.dueBySteps(progress.steps(state))) {
            publishIfChanged(state);
        } else {
            lineage.settleIfFinished();
        }
    }

    /** Between polls: one if {@code every_seconds} have passed or the open transaction is older than allowed. */
    void betweenPolls(ModelState state) throws InterruptedException {
        if (schedule.dueByTime() || lineage.transactions().openLongerThan(maxTransactionOpen)) {
            publishIfChanged(state);
        }
    }

    /** In a run of bad (non-finite) steps, during which nothing is published. */
    boolean inBadRun(ModelState state) {
        return progress.inBadRun(state);
    }

    /** Publishes if anything changed since the last snapshot (steps or positions), or a transaction is open. */
    void publishIfChanged(ModelState state) throws InterruptedException {
        if (progress.inBadRun(state)) {
            return;
        }
        Map<Integer, Position> positions = batcher.positions();
        if (!lineage.transactions().inTransaction() && schedule.unchanged(progress.steps(state), positions)) {
            return;
        }
        publish(state, positions, false);
    }

    /** Hands the state as a snapshot to the lineage; the schedule restarts (recovery resets it on failure). */
    private void publish(ModelState state, Map<Integer, Position> positions, boolean best) throws InterruptedException {
        if (lineage.publish(state, positions, batcher.consumed(), best, earlyStopping.applied(), input.groupMetadata())) {
            schedule.published(progress.steps(state), positions);
        }
    }
}
