package io.streamfit.schedule;

/**
 * A learning-rate schedule: a pure function of the number of optimizer steps already taken, so
 * its whole position is that count (which every snapshot carries) and a restored model continues
 * the schedule exactly. {@code lr(0)} is the rate of the first step.
 *
 * <p>Equivalence with PyTorch: a {@code torch.optim.lr_scheduler} class stepped once per
 * optimizer step ({@code optimizer.step(); scheduler.step()}) gives the optimizer
 * {@code lr(t)} on its step {@code t + 1}. Each implementation names the class it matches; where
 * PyTorch updates the rate recursively, the closed form is used (same values up to rounding in
 * the last bits, which also makes restore independent of history).
 *
 * <p>The one exception is {@code plateau} ({@link ReduceLrOnPlateau}), which reads the loss: its
 * {@link #metricSchedule()} takes every step's figures, and its state is in the snapshot.
 */
public interface LrSchedule {

    /** Spec name, e.g. {@code cosine}. */
    String type();

    /** The learning rate of the optimizer step that follows {@code stepsDone} completed steps. */
    double lr(long stepsDone);

    /**
     * The momentum this schedule sets for that step ({@code momentum} of SGD and RMSprop, the
     * first of Adam's {@code betas}), as PyTorch's {@code cycle_momentum} does; NaN when it
     * leaves the optimizer's own (every schedule but {@code cyclic} and {@code one_cycle}).
     */
    default double momentum(long stepsDone) {
        return Double.NaN;
    }

    /** The part of this schedule that reads the prequential figures ({@code plateau}), or null for a pure function of the step count. */
    default MetricSchedule metricSchedule() {
        return null;
    }
}
