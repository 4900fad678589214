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

    /** Completed steps; PyTorch's {@code state['step']}. */
    long steps();

    /** Names of the per-parameter state buffers, e.g. {@code [exp_avg, exp_avg_sq]}. */
    List<String> stateNames();

    /** A state buffer, laid out like the flat parameter buffer; live, not a copy. */
    float[] state(String name);

    /** Restores the step count (state buffers are restored by writing into {@link #state}). */
    void restoreSteps(long steps);
}
