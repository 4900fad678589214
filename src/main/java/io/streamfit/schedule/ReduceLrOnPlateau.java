package io.streamfit.schedule;

import static io.streamfit.schedule.ScheduleKind.steps;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperRule;
import java.util.List;

/**
 * Lowers the rate when the prequential loss stops improving: {@code torch.optim.lr_scheduler.
 * ReduceLROnPlateau(mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps)},
 * stepped once per {@code period} optimizer steps (a stream has no epochs) with the mean
 * prequential loss of that period's batches (or their accuracy, {@code metric: accuracy},
 * {@code mode: max}):
 *
 * <pre>
 *   better(a)  rel/min: a &lt; best * (1 - threshold)    abs/min: a &lt; best - threshold
 *              rel/max: a &gt; best * (1 + threshold)    abs/max: a &gt; best + threshold
 *   each period: if better(metric): best = metric, bad = 0, else bad += 1
 *                if cooling down: cooldown -= 1, bad = 0
 *                if bad &gt; patience: new = max(lr * factor, min_lr); if lr - new &gt; eps: lr = new;
 *                                   cooldown = cooldown_periods, bad = 0
 * </pre>
 *
 * exactly PyTorch's {@code step(metrics)}, checked against it by {@code GoldenScheduleTest}.
 * {@code patience} and {@code cooldown} count periods. The rate starts at the optimizer's
 * {@code lr}; its state (rate, best, counters, the period's sums) is in every snapshot.
 */
public final class ReduceLrOnPlateau implements LrSchedule, MetricSchedule {
    /** The spec's {@code plateau}: {@code ReduceLROnPlateau}. */
    public static final ScheduleKind KIND = new ScheduleKind("plateau", "ReduceLROnPlateau",
            List.of(HyperParameter.choice("mode", "min", "min", "max"),
                    HyperParameter.number("factor", 0.1, 0, true, 1, true),
                    HyperParameter.count("patience", 10L, 0, 1_000_000),
                    HyperParameter.number("threshold", 1e-4, 0, false, 1e6, false),
                    HyperParameter.choice("threshold_mode", "rel", "rel", "abs"),
                    HyperParameter.count("cooldown", 0L, 0, 1_000_000),
                    HyperParameter.number("min_lr", 0.0, 0, false, 1e6, false),
                    HyperParameter.number("eps", 1e-8, 0, false, 1, false),
                    HyperParameter.choice("metric", "loss", "loss", "accuracy"), steps("period", 100L, 1)),
            List.of(new HyperRule("mode", h -> h.choice("mode").equals(h.choice("metric").equals("loss") ? "min" : "max"),
                    h -> "must be " + (h.choice("metric").equals("loss") ? "min" : "max") + " for metric "
                            + h.choice("metric") + " (a " + (h.choice("metric").equals("loss") ? "loss" : "accuracy")
                            + " improves as it " + (h.choice("metric").equals("loss") ? "falls" : "rises") + "), got "
                            + h.choice("mode"))),
            (lr, h) -> new ReduceLrOnPlateau(lr, h.choice("mode").equals("max"), h.number("factor"), h.count("patience"),
                    h.number("threshold"), h.choice("threshold_mode").equals("abs"), h.count("cooldown"), h.number("min_lr"),
                    h.number("eps"), h.choice("metric").equals("accuracy"), h.count("period")));

    /**
     * The whole state: the rate, the best metric, PyTorch's {@code num_bad_epochs},
     * {@code cooldown_counter} and {@code last_epoch} (periods), and the current period's sums.
     */
    public record State(double lr, double best, long badPeriods, long cooldownCounter, long periods, double lossSum,
            long correct, long judged, long examples, long steps) {}

    private final double initialLr;
    private final boolean max;
    private final double factor;
    private final long patience;
    private final double threshold;
    private final boolean absolute;
    private final long cooldown;
    private final double minLr;
    private final double eps;
    private final boolean accuracy;
    private final long period;
    private volatile State s;

    public ReduceLrOnPlateau(double lr, boolean max, double factor, long patience, double threshold, boolean absolute,
            long cooldown, double minLr, double eps, boolean accuracy, long period) {
        this.initialLr = lr;
        this.max = max;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.absolute = absolute;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.eps = eps;
        this.accuracy = accuracy;
        this.period = period;
        restart();
    }

    @Override
    public String type() {
        return KIND.name();
    }

    /** The current rate, whatever the step count. */
    @Override
    public double lr(long stepsDone) {
        return s.lr();
    }

    @Override
    public MetricSchedule metricSchedule() {
        return this;
    }

    @Override
    public void observe(double lossSum, long correct, long judged, int examples) {
        State t = s;
        t = new State(t.lr(), t.best(), t.badPeriods(), t.cooldownCounter(), t.periods(), t.lossSum() + lossSum,
                t.correct() + correct, t.judged() + judged, t.examples() + examples, t.steps() + 1);
        s = t;
        if (t.steps() < period) {
            return;
        }
        double metric = accuracy ? (t.judged() == 0 ? Double.NaN : (double) t.correct() / t.judged())
                : t.lossSum() / t.examples();
        s = new State(t.lr(), t.best(), t.badPeriods(), t.cooldownCounter(), t.periods(), 0, 0, 0, 0, 0);
        if (Double.isFinite(metric)) { // a period of non-finite losses says nothing about a plateau
            step(metric);
        }
    }

    /** PyTorch's {@code scheduler.step(metric)}: one period's metric. */
    public void step(double metric) {
        State t = s;
        double best = t.best();
        long bad = t.badPeriods();
        long cooling = t.cooldownCounter();
        double lr = t.lr();
        if (better(metric, best)) {
            best = metric;
            bad = 0;
        } else {
            bad++;
        }
        if (cooling > 0) {
            cooling--;
            bad = 0; // bad periods while cooling down do not count
        }
        if (bad > patience) {
            double reduced = Math.max(lr * factor, minLr);
            if (lr - reduced > eps) {
                lr = reduced;
            }
            cooling = cooldown;
            bad = 0;
        }
        s = new State(lr, best, bad, cooling, t.periods() + 1, t.lossSum(), t.correct(), t.judged(), t.examples(), t.steps());
    }

    private boolean better(double a, double best) {
        if (max) {
            return absolute ? a > best + threshold : a > best * (threshold + 1);
        }
        return absolute ? a < best - threshold : a < best * (1 - threshold);
    }

    @Override
    public void restart() {
        s = new State(initialLr, max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public State state() {
        return s;
    }

    @Override
    public void restore(Record state) {
        if (!(state instanceof State st)) {
            throw new IllegalArgumentException("not a plateau state: " + state);
        }
        if (!(st.lr() >= 0 && st.lr() < Double.POSITIVE_INFINITY) || Double.isNaN(st.best()) || st.badPeriods() < 0
                || st.cooldownCounter() < 0 || st.periods() < 0 || st.steps() < 0 || st.examples() < 0 || st.judged() < 0
                || st.correct() < 0 || st.correct() > st.judged()) {
            throw new IllegalArgumentException("plateau state: the rate must be finite and >= 0, the best a number and the"
                    + " counts >= 0, got " + st);
        }
        // A period saved longer than the spec's now (period lowered): that period starts again.
        s = st.steps() < period ? st
                : new State(st.lr(), st.best(), st.badPeriods(), st.cooldownCounter(), st.periods(), 0, 0, 0, 0, 0);
    }
}
