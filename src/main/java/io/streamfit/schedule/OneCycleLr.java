package io.streamfit.schedule;

/**
 * The one-cycle policy (Smith and Topin 2019, "Super-Convergence"),
 * {@code torch.optim.lr_scheduler.OneCycleLR(max_lr, total_steps, pct_start, anneal_strategy,
 * div_factor, final_div_factor, three_phase, cycle_momentum=False)}: from
 * {@code initial = max_lr / div_factor} up to {@code max_lr} over the first
 * {@code pct_start * total_steps} steps, then down to {@code initial / final_div_factor}
 * (with {@code three_phase}: back to {@code initial} first, then down), annealing by cosine or
 * linearly. PyTorch raises an error past {@code total_steps}; a stream does not end, so the
 * rate stays at its final value instead. Momentum is not cycled.
 */
public record OneCycleLr(double maxLr, long totalSteps, double pctStart, boolean cosine, double divFactor,
        double finalDivFactor, boolean threePhase) implements LrSchedule {

    @Override
    public String type() {
        return "one_cycle";
    }

    @Override
    public double lr(long stepsDone) {
        double initial = maxLr / divFactor;
        double min = initial / finalDivFactor;
        long t = Math.min(stepsDone, totalSteps - 1);
        double[] ends;
        double[][] lrs;
        if (threePhase) {
            ends = new double[] {pctStart * totalSteps - 1, 2 * pctStart * totalSteps - 2, totalSteps - 1};
            lrs = new double[][] {{initial, maxLr}, {maxLr, initial}, {initial, min}};
        } else {
            ends = new double[] {pctStart * totalSteps - 1, totalSteps - 1};
            lrs = new double[][] {{initial, maxLr}, {maxLr, min}};
        }
        double start = 0;
        for (int i = 0; i < ends.length; i++) {
            if (t <= ends[i] || i == ends.length - 1) {
                double pct = (t - start) / (ends[i] - start);
                return anneal(lrs[i][0], lrs[i][1], pct);
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
