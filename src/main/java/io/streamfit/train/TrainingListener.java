package io.streamfit.train;

/**
 * Observes training as {@link TrainingLoop} runs it: the service's meters and the {@code train}
 * command's {@code --metrics} file both implement it, so what they record is taken from the same
 * calls. Called on the training thread, after the fact; a listener changes nothing it is told.
 */
public interface TrainingListener {
    /** A step (trained, skipped, held out or paused) that took {@code nanos}; {@code state} is the model after it. */
    void step(ModelState state, StepResult result, long nanos);

    /**
     * A record taken for training, trained or rejected: the denominator of the dead-letter share.
     * It is counted as {@link #rejected} counts (a record read again after a rollback counts
     * again, for both), so the share stays right.
     */
    default void recordRead() {}

    /** A record the decoder rejected, for the first time in this lineage; {@code reason} is its label. */
    default void rejected(String reason) {}
}
