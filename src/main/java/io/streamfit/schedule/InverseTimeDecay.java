package io.streamfit.schedule;

import static io.streamfit.schedule.ScheduleKind.nonNegative;
import static io.streamfit.schedule.ScheduleKind.steps;

import io.streamfit.hyper.HyperParameter;
import java.util.List;

/**
 * Inverse-time decay, which PyTorch has no class for; matched to TensorFlow's
 * {@code tf.keras.optimizers.schedules.InverseTimeDecay}:
 * {@code lr / (1 + decay_rate * p)} with {@code p = t / decay_steps}, or
 * {@code floor(t / decay_steps)} when {@code staircase}. (With {@code decay_steps = 1} this is
 * the classic {@code lr / (1 + k t)} of stochastic approximation.)
 */
public record InverseTimeDecay(double baseLr, double decayRate, long decaySteps, boolean staircase) implements LrSchedule {
    /** The spec's {@code inverse_time}: TensorFlow InverseTimeDecay. */
    public static final ScheduleKind KIND = new ScheduleKind("inverse_time", "TensorFlow InverseTimeDecay",
            List.of(nonNegative("decay_rate", null), steps("decay_steps", 1L, 1),
                    HyperParameter.flag("staircase")),
            List.of(),
            (lr, h) -> new InverseTimeDecay(lr, h.number("decay_rate"), h.count("decay_steps"), h.flag("staircase")));

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr / (1 + decayRate * NaturalExpDecay.progress(stepsDone, decaySteps, staircase));
    }
}
