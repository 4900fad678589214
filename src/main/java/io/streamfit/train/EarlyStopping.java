package io.streamfit.train;

import io.streamfit.spec.ModelSpec;

/**
 * Early stopping adapted to a stream, which has no epochs to stop after: a held-out slice of the
 * stream is scored and never trained on, and updates pause while the validation loss stops
 * improving, to resume when the data changes.
 *
 * <p>Call order, on the training thread, for every mini-batch in stream order: {@link #next()}
 * says what to do with it; after scoring a {@link Role#HOLD_OUT} batch (inference mode, before
 * any further update), {@link #heldOut} takes its loss and returns a {@link Check} when that
 * batch completes one. The held-out batches are every {@code holdout_every}-th batch the model
 * receives, so which examples are held out depends only on the stream and the batch size, and a
 * restored model (this state is in every snapshot) holds out exactly the same ones.
 *
 * <pre>
 *   check loss   L_c = sum of held-out losses / held-out examples, over check_batches batches
 *   improvement  L_c &lt; best - min_delta           (then best = L_c, the model is tagged best)
 *   pause        patience checks in a row without improvement
 *   resume       L_c &gt; best * (1 + loss_increase), or after_batches paused batches, or {@link #resume()}
 * </pre>
 *
 * While paused, held-out batches are still checked (that is how a change in the data is
 * noticed), but a check never improves {@code best}: the parameters have not changed.
 *
 * <p>A resume because the loss rose (drift) re-bases {@code best} on that check's loss: the
 * old best was measured on data the stream no longer resembles, so training must now improve on
 * the present data, and its next improvement replaces the best snapshot even at a higher loss
 * than the old one's. A resume after {@code after_batches} or on request keeps {@code best}: the
 * model gets another {@code patience} checks to beat it. {@link #taggedLoss()} is always the
 * loss of the check that produced the current best snapshot.
 */
public final class EarlyStopping {
    /** What to do with a mini-batch. */
    public enum Role {
        /** Score prequentially, then train. */
        TRAIN,
        /** Validation: score in inference mode, never train. */
        HOLD_OUT,
        /** Updates are paused: score prequentially, do not train. */
        PAUSED;

        /** The name metrics and the {@code train} command's {@code --metrics} file use: trained, held_out, paused. */
        public String label() {
            return switch (this) {
                case TRAIN -> "trained";
                case HOLD_OUT -> "held_out";
                case PAUSED -> "paused";
            };
        }
    }

    /**
     * The outcome of one validation check.
     *
     * @param loss the check's mean held-out loss
     * @param improved a new best: publish the model as the best snapshot
     * @param paused this check started a pause
     * @param resumed this check ended a pause (validation loss rose past the trigger)
     */
    public record Check(double loss, boolean improved, boolean paused, boolean resumed) {}

    /** Everything a snapshot must carry for a restored model to continue exactly. */
    public record State(long batches, double roundLossSum, long roundExamples, int roundBatches, double best, double last,
            double tagged, int badChecks, boolean paused, long pausedBatches, long checks, long heldOutExamples, long pauses,
            long resumes) {}

    private final ModelSpec.EarlyStoppingSpec spec;
    // Training thread writes; volatile where the status endpoint reads.
    private long batches;
    private double roundLossSum;
    private long roundExamples;
    private int roundBatches;
    private volatile double best = Double.POSITIVE_INFINITY;
    private volatile double last = Double.NaN;
    private volatile double tagged = Double.NaN;
    private volatile int badChecks;
    private volatile boolean paused;
    private long pausedBatches;
    private volatile long checks;
    private volatile long heldOutExamples;
    private volatile long pauses;
    private volatile long resumes;

    public EarlyStopping(ModelSpec.EarlyStoppingSpec spec) {
        this.spec = spec;
    }

    public ModelSpec.EarlyStoppingSpec spec() {
        return spec;
    }

    /** The role of the next mini-batch; counts it. */
    public Role next() {
        batches++;
        if (batches % spec.holdoutEvery() == 0) {
            return Role.HOLD_OUT;
        }
        if (!paused) {
            return Role.TRAIN;
        }
        if (spec.resumeAfterBatches() > 0 && pausedBatches >= spec.resumeAfterBatches()) {
            resume(false);
            return Role.TRAIN;
        }
        pausedBatches++;
        return Role.PAUSED;
    }

    /**
     * Adds a held-out batch's summed loss; returns the check it completes, or null.
     *
     * @param lossSum the batch's loss summed over its examples, in inference mode
     */
    public Check heldOut(double lossSum, int examples) {
        heldOutExamples += examples;
        roundLossSum += lossSum;
        roundExamples += examples;
        roundBatches++;
        if (roundBatches < spec.checkBatches()) {
            return null;
        }
        double loss = roundLossSum / roundExamples;
        roundLossSum = 0;
        roundExamples = 0;
        roundBatches = 0;
        checks++;
        last = loss;
        if (paused) {
            boolean drifted = spec.resumeLossIncrease() > 0 && loss > best * (1 + spec.resumeLossIncrease());
            if (drifted) {
                resume(true);
            }
            return new Check(loss, false, false, drifted);
        }
        if (loss < best - spec.minDelta()) {
            best = loss;
            tagged = loss;
            badChecks = 0;
            return new Check(loss, true, false, false);
        }
        badChecks++;
        if (badChecks >= spec.patience()) {
            paused = true;
            pausedBatches = 0;
            pauses++;
            return new Check(loss, false, true, false);
        }
        return new Check(loss, false, false, false);
    }

    /**
     * Ends a pause on an operator's request: training continues with {@code patience} more checks
     * to beat {@code best}. Returns false when updates were not paused.
     */
    public boolean resume() {
        return resume(false);
    }

    private boolean resume(boolean rebase) {
        if (!paused) {
            return false;
        }
        paused = false;
        badChecks = 0;
        pausedBatches = 0;
        if (rebase) {
            best = last;
        }
        resumes++;
        return true;
    }

    public boolean paused() {
        return paused;
    }

    /**
     * The loss a check must beat (by {@code min_delta}) to improve: the lowest check loss since
     * the start or the last drift resume (+infinity before the first check).
     */
    public double best() {
        return best;
    }

    /** The loss of the check that produced the current best snapshot (NaN before the first). */
    public double taggedLoss() {
        return tagged;
    }

    /** The last check's loss (NaN before the first). */
    public double lastLoss() {
        return last;
    }

    public int checksWithoutImprovement() {
        return badChecks;
    }

    public long checks() {
        return checks;
    }

    public long heldOutExamples() {
        return heldOutExamples;
    }

    public long pauses() {
        return pauses;
    }

    public long resumes() {
        return resumes;
    }

    public State state() {
        return new State(batches, roundLossSum, roundExamples, roundBatches, best, last, tagged, badChecks, paused,
                pausedBatches, checks, heldOutExamples, pauses, resumes);
    }

    public void restore(State s) {
        batches = s.batches();
        roundLossSum = s.roundLossSum();
        roundExamples = s.roundExamples();
        roundBatches = s.roundBatches();
        best = s.best();
        last = s.last();
        tagged = s.tagged();
        badChecks = s.badChecks();
        paused = s.paused();
        pausedBatches = s.pausedBatches();
        checks = s.checks();
        heldOutExamples = s.heldOutExamples();
        pauses = s.pauses();
        resumes = s.resumes();
    }
}
