package io.streamfit.drift;

import io.streamfit.hyper.HyperParameter;
import java.util.List;

/**
 * The Page-Hinkley test (Page 1954, "Continuous Inspection Schemes"; as a drift detector in Gama
 * et al. 2014, "A Survey on Concept Drift Adaptation") for an increase in the mean, in its
 * recursive (CUSUM) form with a forgetting factor:
 *
 * <pre>
 *   mean_t = mean_{t-1} + (x_t - mean_{t-1}) / t                  (mean since the last alarm)
 *   PH_t   = max(0, alpha * PH_{t-1} + x_t - mean_t - delta)
 *   alarm when t >= min_instances and PH_t > threshold; then everything starts afresh
 * </pre>
 *
 * With {@code alpha = 1} this is exactly the textbook statistic {@code m_t - M_t}, where
 * {@code m_t} sums the deviations {@code x_t - mean_t - delta} and {@code M_t} is their running
 * minimum. {@code delta} is the change tolerated, {@code threshold} (Page's lambda, in the units
 * of the observations) trades false alarms against delay: a mean that rises by {@code d} is
 * flagged after about {@code threshold / (d - delta)} observations. Defaults are MOA's and
 * River's: {@code delta} 0.005, {@code threshold} 50, {@code alpha} 0.9999, {@code min_instances} 30.
 *
 * <p>Difference from MOA and River: they apply {@code alpha} to {@code m_t} and keep the minimum
 * of that. A mean that <em>falls</em> then drives {@code m_t} far below zero, and as the mean since
 * the last alarm catches up, the forgotten sum climbs back from its minimum and raises an alarm
 * for a loss that only improved ({@code DriftDetectorsTest} shows it). Forgetting the statistic
 * itself keeps the test one-sided: a loss or error rate that falls is never drift.
 */
public final class PageHinkley implements DriftDetector {
    /** The spec's {@code page_hinkley}. */
    public static final DetectorKind KIND = new DetectorKind("page_hinkley", "Page-Hinkley (Page 1954; River, MOA)",
            List.of(HyperParameter.number("delta", 0.005, 0, false, 1e6, false),
                    HyperParameter.number("threshold", 50.0, 0, true, 1e9, false),
                    HyperParameter.number("alpha", 0.9999, 0, true, 1, false),
                    HyperParameter.count("min_instances", 30L, 1, 1 << 30)),
            h -> new PageHinkley(h.number("delta"), h.number("threshold"), h.number("alpha"), h.count("min_instances")));

    /** Page-Hinkley's whole state: counts since the start and since the last alarm, the mean since then, and PH_t. */
    public record State(long observations, long sinceAlarm, double mean, double statistic) {}

    private final double delta;
    private final double threshold;
    private final double alpha;
    private final long minInstances;

    private long observations;
    private long sinceAlarm;
    private double mean;
    private double statistic;

    public PageHinkley(double delta, double threshold, double alpha, long minInstances) {
        if (!(delta >= 0) || !(threshold > 0) || !(alpha > 0 && alpha <= 1) || minInstances < 1) {
            throw new IllegalArgumentException("Page-Hinkley needs delta >= 0, threshold > 0, 0 < alpha <= 1 and"
                    + " min_instances >= 1");
        }
        this.delta = delta;
        this.threshold = threshold;
        this.alpha = alpha;
        this.minInstances = minInstances;
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public boolean add(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("Page-Hinkley takes finite values, got " + x);
        }
        observations++;
        sinceAlarm++;
        mean += (x - mean) / sinceAlarm;
        statistic = Math.max(0, alpha * statistic + (x - mean - delta));
        if (sinceAlarm >= minInstances && statistic > threshold) {
            sinceAlarm = 0;
            mean = 0;
            statistic = 0;
            return true;
        }
        return false;
    }

    /** The test statistic {@code PH_t} (0 right after an alarm). */
    public double statistic() {
        return statistic;
    }

    @Override
    public long observations() {
        return observations;
    }

    @Override
    public double mean() {
        return sinceAlarm == 0 ? Double.NaN : mean;
    }

    @Override
    public State state() {
        return new State(observations, sinceAlarm, mean, statistic);
    }

    @Override
    public void restore(Record state) {
        if (!(state instanceof State st)) {
            throw new IllegalArgumentException("not a Page-Hinkley state: " + state);
        }
        if (st.sinceAlarm() < 0 || st.observations() < st.sinceAlarm() || !Double.isFinite(st.mean())
                || !(st.statistic() >= 0 && st.statistic() < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("Page-Hinkley state: counts must satisfy 0 <= since_alarm <= observations,"
                    + " the mean must be finite and the statistic finite and >= 0, got " + st);
        }
        observations = st.observations();
        sinceAlarm = st.sinceAlarm();
        mean = st.mean();
        statistic = st.statistic();
    }
}
