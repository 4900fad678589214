package io.streamfit.train;

import io.streamfit.spec.ModelSpec;

/**
 * What happens when training diverges: after {@code max_bad_steps} non-finite steps in a row
 * the model goes back to its last committed state with its learning rate multiplied by
 * {@code lr_factor}, and the same records are trained again, more gently. A model that diverges
 * again before it has trained past the point where it last diverged, more than
 * {@code max_rollbacks} times, gives up: it keeps the last committed state and stops training.
 * The caller (the stream runner) brings the committed state and does the rollback's I/O; this
 * class only decides, so the rule is tested without Kafka.
 */
public final class DivergencePolicy {
    private final ModelSpec.DivergenceSpec spec;

    public DivergencePolicy(ModelSpec.DivergenceSpec spec) {
        this.spec = spec;
    }

    /** Whether {@code state}'s run of non-finite steps calls for a rollback. */
    public boolean diverged(ModelState state) {
        return state.consecutiveBadSteps() >= spec.maxBadSteps();
    }

    /**
     * Carries the divergence bookkeeping of {@code diverged} over to {@code committed}, the state to
     * go back to: one rollback more, and the learning rate lowered (unless giving up). Returns null
     * when training goes on from {@code committed}, else the reason it gives up (for the log and the
     * status endpoint), which names {@code committedVersion}, the snapshot the model keeps serving.
     */
    public String rollBack(ModelState diverged, ModelState committed, long committedVersion) {
        int inARow = diverged.rollbacksInARow() + 1;
        boolean giveUp = inARow > spec.maxRollbacks();
        committed.restoreDivergence(giveUp ? diverged.lrScale() : diverged.lrScale() * spec.lrFactor(),
                diverged.divergenceRollbacks() + 1, inARow, Math.max(diverged.troubleAt(), diverged.examplesSeen()));
        if (!giveUp) {
            return null;
        }
        return "training diverged (" + spec.maxBadSteps() + " steps in a row with a non-finite loss or gradient) " + inARow
                + " times without getting past example " + committed.troubleAt() + ", after " + (inARow - 1)
                + " rollbacks with the learning rate lowered to " + diverged.lrScale()
                + " of the schedule's; serving snapshot version "
                + committedVersion + ". Check the input data or lower the learning rate, then declare the model again";
    }
}
