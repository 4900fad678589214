package io.streamfit.stream;

import io.streamfit.train.DriftWatch;
import io.streamfit.train.EarlyStopping;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchBoard;
import io.streamfit.train.TrainingListener;

/**
 * Observes a {@link ModelRunner}: its steps ({@link TrainingListener}) and what the stream adds
 * (restores, snapshots, rollbacks, lag, phases). The service's Prometheus meters implement it; this
 * package does not know them. Called on the model's training thread.
 */
public interface RunnerListener extends TrainingListener {
    /** The model was restored (or started fresh) as {@code state}, its next snapshot following {@code version}; no publication is counted. */
    void restored(ModelState state, long version);

    /**
     * After a rollback (a failed transaction, a divergence): training goes on from {@code state},
     * the last committed snapshot's; the snapshot version shown stays the last committed one.
     */
    void rolledBack(ModelState state);

    /** The model uses early stopping; {@code restored}'s past pauses and resumes are not counted again. */
    void enableEarlyStopping(EarlyStopping restored);

    /** After a rollback: early stopping's figures are {@code state}'s from here on. */
    void rebaseEarlyStopping(EarlyStopping state);

    /** After every batch of a model with early stopping. */
    void earlyStopping(EarlyStopping e);

    /**
     * A committed snapshot of {@code bytes} holding the state after {@code examplesSeen} examples;
     * {@code stallNanos}: how long training stopped for it, {@code commitNanos}: how long its send,
     * offsets and commit took on the commit thread.
     */
    void snapshot(long version, long examplesSeen, int bytes, long stallNanos, long commitNanos);

    /** The snapshot just committed was tagged best. */
    void bestSnapshot();

    /** A failed transaction was rolled back to the last committed snapshot. */
    void rollback();

    /**
     * Snapshot transactions (or the attempts to reopen the producer after one) that failed since
     * the last one that committed; 0 again after a commit.
     */
    void transactionFailuresInARow(int failures);

    /** A divergence rollback; {@code lrScale} is the learning-rate factor from now on. */
    void divergence(double lrScale);

    /** Records behind the end of the assigned partitions. */
    void lag(long records);

    /** The runner moved to {@code phase} (see {@link RunnerPhase} for the life cycle). */
    void phase(RunnerPhase phase);

    /**
     * Training stopped for its user's pause ({@code true}: after the snapshot of what it trained), or
     * started again after it ({@code false}).
     */
    default void userPause(boolean paused) {}

    /** After each batch of a search, and at its restore: its leaderboard as it stands. */
    default void search(SearchBoard board) {}

    /**
     * A drift alarm of the model (not of a search's trial), after its actions were taken; an
     * alarm raised again by the records a rollback trains again is reported again.
     */
    default void driftAlarm(DriftWatch watch) {}
}
