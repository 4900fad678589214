package io.streamfit.schedule;

import static io.streamfit.schedule.ScheduleKind.nonNegative;
import static io.streamfit.schedule.ScheduleKind.positive;
import static io.streamfit.schedule.ScheduleKind.steps;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperRule;
import java.util.List;
import java.util.Locale;

/**
 * Cyclical learning rates (Smith 2017, "Cyclical Learning Rates for Training Neural Networks"),
 * {@code torch.optim.lr_scheduler.CyclicLR(base_lr, max_lr, step_size_up, step_size_down, mode,
 * gamma, cycle_momentum=False)}:
 *
 * <pre>
 *   cycle = floor(1 + t / (up + down));  x = 1 + t / (up + down) - cycle
 *   f     = x / r  if x <= r  else (x - 1) / (r - 1),   r = up / (up + down)
 *   lr_t  = base_lr + (max_lr - base_lr) * f * s
 *   s     = 1 (triangular) | 1 / 2^(cycle - 1) (triangular2) | gamma^t (exp_range)
 * </pre>
 *
 * With {@code cycle_momentum} (PyTorch's default) the momentum cycles the other way, high when the
 * rate is low: {@code m_t = max_momentum - (max_momentum - base_momentum) * f * s}, set as SGD's
 * and RMSprop's {@code momentum} or Adam's {@code beta1} (PyTorch 2's {@code use_beta1}; 1.13 cycles
 * {@code momentum} only). The spec turns it off by default for an optimizer without momentum.
 */
public record CyclicLr(double baseLr, double maxLr, long stepSizeUp, long stepSizeDown, Mode mode, double gamma,
        boolean cycleMomentum, double baseMomentum, double maxMomentum) implements LrSchedule {
    /** The spec's {@code cyclic}: {@code CyclicLR}. */
    public static final ScheduleKind KIND = new ScheduleKind("cyclic", "CyclicLR",
            List.of(nonNegative("base_lr", null).defaultingTo("lr"), positive("max_lr", null),
                    steps("step_size_up", 2000L, 1), steps("step_size_down", null, 1).defaultingTo("step_size_up"),
                    HyperParameter.choice("mode", "triangular", "triangular", "triangular2", "exp_range"),
                    HyperParameter.number("gamma", 1.0, 0, true, 1, false), HyperParameter.flag("cycle_momentum", true),
                    HyperParameter.number("base_momentum", 0.8, 0, false, 1, true),
                    HyperParameter.number("max_momentum", 0.9, 0, false, 1, true)),
            List.of(new HyperRule("max_lr", h -> h.number("max_lr") >= h.number("base_lr"),
                    h -> "must be >= base_lr (" + HyperParameter.format(h.number("base_lr")) + "), got "
                            + HyperParameter.format(h.number("max_lr")))),
            (lr, h) -> new CyclicLr(h.number("base_lr"), h.number("max_lr"), h.count("step_size_up"), h.count("step_size_down"),
                    Mode.valueOf(h.choice("mode").toUpperCase(Locale.ROOT)), h.number("gamma"), h.flag("cycle_momentum"),
                    h.number("base_momentum"), h.number("max_momentum")));

    public enum Mode {
        TRIANGULAR, TRIANGULAR2, EXP_RANGE
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        return baseLr + (maxLr - baseLr) * scaleFactor(stepsDone) * scale(stepsDone);
    }

    @Override
    public double momentum(long stepsDone) {
        return cycleMomentum ? maxMomentum - (maxMomentum - baseMomentum) * scaleFactor(stepsDone) * scale(stepsDone)
                : Double.NaN;
    }

    /** Where in the cycle: 0 at the rate's base, 1 at its peak. */
    private double scaleFactor(long stepsDone) {
        double totalSize = stepSizeUp + stepSizeDown;
        double stepRatio = stepSizeUp / totalSize;
        double x = 1. + stepsDone / totalSize - cycle(stepsDone);
        return x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1);
    }

    private double cycle(long stepsDone) {
        return Math.floor(1 + stepsDone / (double) (stepSizeUp + stepSizeDown));
    }

    private double scale(long stepsDone) {
        return switch (mode) {
            case TRIANGULAR -> 1.0;
            case TRIANGULAR2 -> 1 / Math.pow(2.0, cycle(stepsDone) - 1);
            case EXP_RANGE -> Math.pow(gamma, stepsDone);
        };
    }
}
