package io.streamfit.stream;

import io.streamfit.snapshot.SearchSnapshots;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchBoard;
import io.streamfit.train.SearchRun;
import io.streamfit.train.StepResult;
import org.jboss.logging.Logger;

/**
 * The search a {@link TrainingSession} runs for a spec with a {@code search} section: the
 * {@link SearchRun}, restored whole from the last committed snapshot at a restore and at every
 * rollback; the leaderboard the API and the meters read; and the snapshot schedule's count, the
 * search's batches (its lead changes as trials stop). Training thread only, but {@link #board}.
 */
final class SessionSearch implements SnapshotPublisher.Progress {
    private static final Logger LOG = Logger.getLogger(SessionSearch.class);

    private final ModelSpec spec;
    private final RunnerListener listener;
    private SearchRun run;
    /** Batches trained since the restore or the last rollback. */
    private long batches;
    private boolean ended;
    private volatile SearchBoard board;

    SessionSearch(ModelSpec spec, RunnerListener listener) {
        this.spec = spec;
        this.listener = listener;
    }

    /**
     * The search as {@code lastCommitted} (a snapshot, or null before the first) has it; a new one
     * when it holds none or another search (the spec changed). Returns its lead.
     */
    ModelState restore(byte[] lastCommitted) {
        try {
            run = SearchSnapshots.restore(lastCommitted, spec);
        } catch (SnapshotFormatException e) {
            throw new FatalModelException("the last committed snapshot's search does not restore: " + e.getMessage(), e);
        }
        batches = 0;
        publishBoard();
        return run.lead();
    }

    /** Trains a batch on every live trial; returns the result of the lead the batch came to. */
    StepResult train(Batch batch) {
        boolean wasSearching = searching();
        StepResult r = run.train(batch);
        ended = wasSearching && run.done();
        if (ended) {
            LOG.infof("model %s: search done, winner trial %d after %d examples of compute; it goes on as the model", spec.id(),
                    run.winner(), run.computeExamples());
        }
        batches++;
        publishBoard();
        return r;
    }

    /** Whether the last batch ended the search and the winner's first snapshot is still to be handed over. */
    boolean justEnded() {
        return ended;
    }

    /** The winner's first snapshot was handed over (or tried). */
    void endPublished() {
        ended = false;
    }

    /** Whether the search runs and has not chosen its winner yet. */
    boolean searching() {
        return run != null && !run.done();
    }

    SearchRun run() {
        return run;
    }

    ModelState lead() {
        return run.lead();
    }

    /** The leaderboard as of the last batch, or null before the restore; any thread. */
    SearchBoard board() {
        return board;
    }

    private void publishBoard() {
        board = SearchBoard.of(run);
        listener.search(board);
    }

    @Override
    public long steps(ModelState lead) {
        return batches;
    }

    /** A trial's non-finite steps hold no snapshot back until the winner is chosen (that trial only ranks last). */
    @Override
    public boolean inBadRun(ModelState lead) {
        // The winner's first snapshot is taken even mid-way through bad steps: without it a
        // divergence rollback would go back into the search, which would choose it again.
        return !searching() && !ended && lead.consecutiveBadSteps() > 0;
    }
}
