package io.streamfit.optim;

import java.util.List;

/**
 * A first-order optimizer over a network's flat parameter buffer.
 *
 * <p>Call order, once per training step: the network's backward pass has filled the gradient
 * buffer; {@link GradientClipper} has measured (and, for per-tensor or value clipping, clipped) the
 * gradients and decided the gradient scale (1 unless clipping by global norm);
 * then {@link #step} is called exactly once. A step that is skipped (non-finite gradient norm)
 * does not call {@link #step} at all, so parameters, state and {@link #steps()} stay unchanged.
 *
 * <p>Hyper-parameter names and update rules are PyTorch's ({@code torch.optim}); each
 * implementation writes its rule in its Javadoc. State buffers carry PyTorch's state names
 * ({@code exp_avg}, {@code momentum_buffer}, ...) and are laid out like the parameter buffer, so a
 * snapshot can name them {@code optimizer.<param>.<state>}.
 */
public interface Optimizer {

    /** Spec name, e.g. {@code adam}. */
    String type();

    /**
     * Applies one update in place.
     *
     * @param lr the learning rate for this step (from the schedule)
     * @param gradScale factor applied to every gradient element first (gradient clipping)
     */
    void step(double lr, float gradScale);

    /**
     * Completed steps since the optimizer was built: the schedule's clock. PyTorch's
     * {@code state['step']}, which bias corrections and {@code lr_decay} use, is
     * {@code steps() - stateOrigin()}: the steps since the state was last reset.
     */
    long steps();

    /** Names of the per-parameter state buffers, e.g. {@code [exp_avg, exp_avg_sq]}. */
    List<String> stateNames();

    /** A state buffer, laid out like the flat parameter buffer; live, not a copy. */
    float[] state(String name);

    /** Restores the step count (state buffers are restored by writing into {@link #state}). */
    void restoreSteps(long steps);

    /**
     * Starts the state afresh, as PyTorch's {@code optimizer.state.clear()}: every state buffer
     * back to its initial value (zero moments; Adagrad's {@code initial_accumulator_value}) and
     * the state's step count to 0, so bias corrections start again. {@link #steps()} goes on.
     */
    void resetState();

    /** {@link #steps()} at the last {@link #resetState()}, 0 if never. */
    long stateOrigin();

    /**
     * Sets the momentum of the next steps: SGD's and RMSprop's {@code momentum}, the first of
     * Adam's, AdamW's and Adamax's {@code betas} (what a schedule's {@code cycle_momentum} writes
     * into PyTorch's param group before each step).
     *
     * @throws UnsupportedOperationException if this optimizer has none to set (the spec refuses
     *     {@code cycle_momentum} for it)
     */
    default void setMomentum(double momentum) {
        throw new UnsupportedOperationException(type() + " has no momentum a schedule could cycle");
    }

    /** Restores {@link #stateOrigin()}; call after {@link #restoreSteps}. */
    void restoreStateOrigin(long origin);
}
