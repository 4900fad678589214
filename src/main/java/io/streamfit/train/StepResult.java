package io.streamfit.train;

/**
 * What one training step did.
 *
 * @param lossSum prequential loss of the batch (summed over its examples), scored before the update
 * @param gradNorm global L2 norm of the gradients before clipping
 * @param skipped the norm was not finite: parameters and optimizer state were left unchanged
 * @param smallBatchNorm the model has batch norm and this batch had fewer than
 *     {@link io.streamfit.nn.BatchNorm#MEANINGFUL_BATCH} examples
 * @param role whether the batch was trained on, held out for validation (then {@code lossSum}
 *     is its validation loss and nothing else changed), or only scored while updates are paused
 * @param check the validation check this held-out batch completed, or null
 * @param drift this batch raised a drift alarm (the spec's {@code drift} actions were applied
 *     before its step)
 */
public record StepResult(int examples, double lossSum, long correct, long judged, double gradNorm,
        boolean clipped, boolean skipped, double lr, boolean smallBatchNorm, EarlyStopping.Role role,
        EarlyStopping.Check check, boolean drift) {
    /** Whether an optimizer step was applied. */
    public boolean applied() {
        return role == EarlyStopping.Role.TRAIN && !skipped;
    }
}
