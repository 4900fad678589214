package io.streamfit.schedule;

import static io.streamfit.schedule.ScheduleKind.nonNegative;
import static io.streamfit.schedule.ScheduleKind.steps;

import io.streamfit.hyper.HyperParameter;
import java.util.List;

/**
 * Natural-exponential decay, which PyTorch has no class for; matched to TensorFlow's
 * {@code tf.compat.v1.train.natural_exp_decay}:
 * {@code lr * exp(-decay_rate * p)} with {@code p = t / decay_steps}, or
 * {@code floor(t / decay_steps)} when {@code staircase}.
 */
public record NaturalExpDecay(double baseLr, double decayRate, long decaySteps, boolean staircase) implements LrSchedule {
    /** The spec's {@code natural_exp}: TensorFlow natural_exp_decay. */
    public static final ScheduleKind KIND = new ScheduleKind("natural_exp", "TensorFlow natural_exp_decay",
            List.of(nonNegative("decay_rate", null), steps("decay_steps", 1L, 1),
                    HyperParameter.flag("staircase")),
            List.of(),
            (lr, h) -> new NaturalExpDecay(lr, h.number("decay_rate"), h.count("decay_steps"), h.flag("staircase")));

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr * Math.exp(-decayRate * progress(stepsDone, decaySteps, staircase));
    }

    static double progress(long t, long decaySteps, boolean staircase) {
        return staircase ? (double) (t / decaySteps) : (double) t / decaySteps;
    }
}
