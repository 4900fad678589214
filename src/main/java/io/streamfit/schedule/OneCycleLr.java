package io.streamfit.schedule;

import static io.streamfit.schedule.ScheduleKind.positive;
import static io.streamfit.schedule.ScheduleKind.steps;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperRule;
import java.util.List;
import java.util.Locale;

/**
 * The one-cycle policy (Smith and Topin 2019, "Super-Convergence"),
 * {@code torch.optim.lr_scheduler.OneCycleLR(max_lr, total_steps, pct_start, anneal_strategy,
 * div_factor, final_div_factor, three_phase, cycle_momentum=False)}: from
 * {@code initial = max_lr / div_factor} up to {@code max_lr} over the first
 * {@code pct_start * total_steps} steps, then down to {@code initial / final_div_factor}
 * (with {@code three_phase}: back to {@code initial} first, then down), annealing by cosine or
 * linearly. PyTorch raises an error past {@code total_steps}; a stream does not end, so the
 * rate stays at its final value instead. With {@code cycle_momentum} (PyTorch's default) the
 * momentum anneals the other way in each phase, from {@code max_momentum} down to
 * {@code base_momentum} while the rate rises and back up while it falls (three-phase: stays at
 * {@code max_momentum} in the last phase), set as SGD's and RMSprop's {@code momentum} or Adam's
 * {@code beta1}, as {@code OneCycleLR} does.
 */
public record OneCycleLr(double maxLr, long totalSteps, double pctStart, boolean cosine, double divFactor,
        double finalDivFactor, boolean threePhase, boolean cycleMomentum, double baseMomentum, double maxMomentum)
        implements LrSchedule {
    /** The spec's {@code one_cycle}: {@code OneCycleLR}. */
    public static final ScheduleKind KIND = new ScheduleKind("one_cycle", "OneCycleLR",
            List.of(positive("max_lr", null), steps("total_steps", null, 2),
                    HyperParameter.number("pct_start", 0.3, 0, true, 1, true),
                    HyperParameter.choice("anneal_strategy", "cos", "cos", "linear"),
                    positive("div_factor", 25.0), positive("final_div_factor", 1e4), HyperParameter.flag("three_phase"),
                    HyperParameter.flag("cycle_momentum", true), HyperParameter.number("base_momentum", 0.85, 0, false, 1, true),
                    HyperParameter.number("max_momentum", 0.95, 0, false, 1, true)),
            List.of(
                    // Each phase must span at least one step, or PyTorch's formula divides by zero.
                    new HyperRule("pct_start",
                            h -> h.count("total_steps") < 2 || h.number("pct_start") * h.count("total_steps") > 1,
                            h -> "must exceed 1 / total_steps = "
                                    + String.format(Locale.ROOT, "%.4g", 1.0 / h.count("total_steps"))
                                    + " so that the rising phase has a step, got "
                                    + HyperParameter.format(h.number("pct_start"))),
                    new HyperRule("pct_start", h -> !h.flag("three_phase") || h.number("pct_start") <= 0.5
                            || h.count("total_steps") >= 2 && h.number("pct_start") * h.count("total_steps") <= 1,
                            h -> "must be <= 0.5 with three_phase (two phases of pct_start * total_steps each), got "
                                    + HyperParameter.format(h.number("pct_start")))),
            (lr, h) -> new OneCycleLr(h.number("max_lr"), h.count("total_steps"), h.number("pct_start"),
                    h.choice("anneal_strategy").equals("cos"), h.number("div_factor"), h.number("final_div_factor"),
                    h.flag("three_phase"), h.flag("cycle_momentum"), h.number("base_momentum"), h.number("max_momentum")));

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public double lr(long stepsDone) {
        double initial = maxLr / divFactor;
        double min = initial / finalDivFactor;
        double[][] lrs = threePhase ? new double[][] {{initial, maxLr}, {maxLr, initial}, {initial, min}}
                : new double[][] {{initial, maxLr}, {maxLr, min}};
        return inPhase(stepsDone, lrs);
    }

    @Override
    public double momentum(long stepsDone) {
        if (!cycleMomentum) {
            return Double.NaN;
        }
        double[][] ms = threePhase ? new double[][] {{maxMomentum, baseMomentum}, {baseMomentum, maxMomentum},
                {maxMomentum, maxMomentum}} : new double[][] {{maxMomentum, baseMomentum}, {baseMomentum, maxMomentum}};
        return inPhase(stepsDone, ms);
    }

    /** Anneals between the {@code values} of the phase {@code stepsDone} falls in ({from, to} per phase). */
    private double inPhase(long stepsDone, double[][] values) {
        long t = Math.min(stepsDone, totalSteps - 1);
        double[] ends = threePhase ? new double[] {pctStart * totalSteps - 1, 2 * pctStart * totalSteps - 2, totalSteps - 1}
                : new double[] {pctStart * totalSteps - 1, totalSteps - 1};
        double start = 0;
        for (int i = 0; i < ends.length; i++) {
            if (t <= ends[i] || i == ends.length - 1) {
                double pct = (t - start) / (ends[i] - start);
                return anneal(values[i][0], values[i][1], pct);
            }
            start = ends[i];
        }
        throw new IllegalStateException("unreachable");
    }

    private double anneal(double from, double to, double pct) {
        if (cosine) {
            return to + (from - to) / 2.0 * (Math.cos(Math.PI * pct) + 1);
        }
        return (to - from) * pct + from;
    }
}
