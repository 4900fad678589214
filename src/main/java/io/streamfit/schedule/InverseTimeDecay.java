package io.streamfit.schedule;

/**
 * Inverse-time decay, which PyTorch has no class for; matched to TensorFlow's
 * {@code tf.keras.optimizers.schedules.InverseTimeDecay}:
 * {@code lr / (1 + decay_rate * p)} with {@code p = t / decay_steps}, or
 * {@code floor(t / decay_steps)} when {@code staircase}. (With {@code decay_steps = 1} this is
 * the classic {@code lr / (1 + k t)} of stochastic approximation.)
 */
public record InverseTimeDecay(double baseLr, double decayRate, long decaySteps, boolean staircase) implements LrSchedule {

    @Override
    public String type() {
        return "inverse_time";
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr / (1 + decayRate * NaturalExpDecay.progress(stepsDone, decaySteps, staircase));
    }
}
