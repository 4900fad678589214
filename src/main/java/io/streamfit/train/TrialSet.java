package io.streamfit.train;

import io.streamfit.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The trials of a hyper-parameter search, trained side by side: each batch, decoded and assembled
 * once, is trained by every live trial in turn, each with its own parameters, optimizer state,
 * schedule and generator (its own {@link ModelState}). A trial reads the batch and never writes
 * it ({@link ModelState#train} copies it into its own input), so they can share it; and a trial
 * trained here is bitwise the same model trained alone on the same batches.
 *
 * <p>The trials must agree on what decides the batches: input width, batch size and task. A
 * stopped trial (eliminated by successive halving, or the search ended) is trained no more and
 * keeps its state for the leaderboard.
 *
 * <p>Training thread only.
 */
public final class TrialSet {
    private final List<ModelState> states = new ArrayList<>();
    private final boolean[] stopped;

    /** Fresh trials of {@code specs}, in order. @throws IllegalArgumentException if they would batch differently */
    public TrialSet(List<ModelSpec> specs) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("a trial set needs at least one trial");
        }
        ModelSpec first = specs.get(0);
        for (ModelSpec s : specs) {
            if (s.inputWidth() != first.inputWidth() || s.batchSize() != first.batchSize() || !s.task().equals(first.task())) {
                throw new IllegalArgumentException("trials train on the same batches, so they must agree on input_width, "
                        + "batch_size and task; " + s.id() + " does not agree with " + first.id());
            }
            states.add(ModelState.fresh(s));
        }
        stopped = new boolean[specs.size()];
    }

    public int size() {
        return states.size();
    }

    /** Trial {@code i}'s state. */
    public ModelState trial(int i) {
        return states.get(i);
    }

    /** Trains no more trial {@code i}; its state stays as it is. */
    public void stop(int i) {
        stopped[i] = true;
    }

    public boolean live(int i) {
        return !stopped[i];
    }

    /** Trains {@code batch} on every live trial; the results by trial, null for a stopped one. */
    public StepResult[] train(Batch batch) {
        StepResult[] results = new StepResult[states.size()];
        for (int i = 0; i < results.length; i++) {
            if (!stopped[i]) {
                results[i] = states.get(i).train(batch);
            }
        }
        return results;
    }
}
