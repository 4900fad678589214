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
 * Momentum is not cycled (PyTorch's {@code cycle_momentum} defaults to true; here the optimizer's
 * momentum stays as configured).
 */
public record CyclicLr(double baseLr, double maxLr, long stepSizeUp, long stepSizeDown, Mode mode, double gamma)
        implements LrSchedule {
    /** The spec's {@code cyclic}: {@code CyclicLR}. */
    public static final ScheduleKind KIND = new ScheduleKind("cyclic", "CyclicLR",
            List.of(nonNegative("base_lr", null).defaultingTo("lr"), positive("max_lr", null),
                    steps("step_size_up", 2000L, 1), steps("step_size_down", null, 1).defaultingTo("step_size_up"),
                    HyperParameter.choice("mode", "triangular", "triangular", "triangular2", "exp_range"),
                    HyperParameter.number("gamma", 1.0, 0, true, 1, false)),
            List.of(new HyperRule("max_lr", h -> h.number("max_lr") >= h.number("base_lr"),
                    h -> "must be >= base_lr (" + HyperParameter.format(h.number("base_lr")) + "), got "
                            + HyperParameter.format(h.number("max_lr")))),
            (lr, h) -> new CyclicLr(h.number("base_lr"), h.number("max_lr"), h.count("step_size_up"), h.count("step_size_down"),
                    Mode.valueOf(h.choice("mode").toUpperCase(Locale.ROOT)), h.number("gamma")));

    public enum Mode {
        TRIANGULAR, TRIANGULAR2, EXP_RANGE
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        double totalSize = stepSizeUp + stepSizeDown;
        double stepRatio = stepSizeUp / totalSize;
        double cycle = Math.floor(1 + stepsDone / totalSize);
        double x = 1. + stepsDone / totalSize - cycle;
        double scaleFactor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1);
        double scale = switch (mode) {
            case TRIANGULAR -> 1.0;
            case TRIANGULAR2 -> 1 / Math.pow(2.0, cycle - 1);
            case EXP_RANGE -> Math.pow(gamma, stepsDone);
        };
        return baseLr + (maxLr - baseLr) * scaleFactor * scale;
    }
}
