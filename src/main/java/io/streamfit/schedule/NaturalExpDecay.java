package io.streamfit.schedule;

/**
 * Natural-exponential decay, which PyTorch has no class for; matched to TensorFlow's
 * {@code tf.compat.v1.train.natural_exp_decay}:
 * {@code lr * exp(-decay_rate * p)} with {@code p = t / decay_steps}, or
 * {@code floor(t / decay_steps)} when {@code staircase}.
 */
public record NaturalExpDecay(double baseLr, double decayRate, long decaySteps, boolean staircase) implements LrSchedule {

    @Override
    public String type() {
        return "natural_exp";
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr * Math.exp(-decayRate * progress(stepsDone, decaySteps, staircase));
    }

    static double progress(long t, long decaySteps, boolean staircase) {
        return staircase ? (double) (t / decaySteps) : (double) t / decaySteps;
    }
}
