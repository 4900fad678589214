package io.streamfit.drift;

import io.streamfit.hyper.HyperParameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ADWIN, ADaptive WINdowing (Bifet and Gavaldà 2007, "Learning from Time-Changing Data with
 * Adaptive Windowing"), in its memory-bounded form ADWIN2: a window {@code W} of the most recent
 * observations that is kept as long as no two parts of it differ, and cut when they do.
 *
 * <pre>
 *   every clock observations, for every split W = W0 . W1 (W0 older) at a bucket boundary
 *   with |W0|, |W1| >= min_window:
 *     1/m = 1/|W0| + 1/|W1|,   delta' = delta / ln |W|,   s^2 = variance of W
 *     eps = sqrt(2/m * s^2 * ln(2/delta')) + 2/(3m) * ln(2/delta')
 *     if |mean(W0) - mean(W1)| > eps: drop W's oldest bucket and test again
 *   alarm when a check dropped buckets because the newer part's mean was the higher
 * </pre>
 *
 * {@code eps} is the paper's variance-based bound (its section 3, "in practice"), with ADWIN2's
 * {@code delta' = delta / ln n} for the O(log n) splits tested; under a constant mean a cut
 * happens at one check with probability at most {@code delta}. The window is stored as an
 * exponential histogram: at most {@code max_buckets} buckets of each size 1, 2, 4, ..., each
 * holding its count, sum and sum of squared deviations, so memory and time per check are
 * O(max_buckets log |W|). An alarm does not reset the detector: the cut window is its state
 * afterwards, holding only what followed the change.
 *
 * <p>The window follows a change either way, but only a rise raises an alarm: the signal is a
 * loss or an error rate, and a fall is the model learning (early in training, or recovering after
 * a drift), which must not reset its optimizer. {@code DriftDetectorsTest} checks both.
 *
 * <p>Parameters and defaults are River's and MOA's ({@code delta} 0.002, {@code clock} 32,
 * {@code max_buckets} 5, {@code min_window} 5, {@code grace_period} 10: no check before that many
 * observations). Differences from MOA: the bound uses {@code |W0|} and {@code |W1|} themselves
 * where MOA uses {@code |Wi| - min_window + 1} (a slightly looser bound there); an alarm is
 * raised only once per check however many buckets it drops; and only for a rise (MOA's flags any
 * change).
 */
public final class Adwin implements DriftDetector {
    /** The spec's {@code adwin}. */
    public static final DetectorKind KIND = new DetectorKind("adwin", "ADWIN2 (Bifet and Gavaldà 2007; River, MOA)",
            List.of(HyperParameter.number("delta", 0.002, 0, true, 1, true), HyperParameter.count("clock", 32L, 1, 1 << 20),
                    HyperParameter.count("max_buckets", 5L, 2, 1000), HyperParameter.count("min_window", 5L, 1, 1 << 20),
                    HyperParameter.count("grace_period", 10L, 1, 1 << 30)),
            h -> new Adwin(h.number("delta"), (int) h.count("clock"), (int) h.count("max_buckets"),
                    (int) h.count("min_window"), h.count("grace_period")));

    /**
     * ADWIN's whole state. Buckets are by level (level {@code i} holds buckets of {@code 2^i}
     * observations), oldest first within a level; levels above hold older observations.
     *
     * @param squares each bucket's sum of squared deviations from its own mean
     * @param variance the window's sum of squared deviations from its mean
     */
    public record State(long observations, long width, double total, double variance, double[][] sums,
            double[][] squares) {}

    private final double delta;
    private final int clock;
    private final int maxBuckets;
    private final int minWindow;
    private final long gracePeriod;

    private long observations;
    private long width;
    private double total;
    private double variance;
    /** Per level, its buckets' sums and squared deviations, oldest first; {@code counts[i]} in use. */
    private final List<double[]> sums = new ArrayList<>();
    private final List<double[]> squares = new ArrayList<>();
    private int[] counts = new int[0];

    public Adwin(double delta, int clock, int maxBuckets, int minWindow, long gracePeriod) {
        if (!(delta > 0 && delta < 1) || clock < 1 || maxBuckets < 2 || minWindow < 1 || gracePeriod < 1) {
            throw new IllegalArgumentException("ADWIN needs 0 < delta < 1, clock >= 1, max_buckets >= 2, min_window >= 1 and"
                    + " grace_period >= 1");
        }
        this.delta = delta;
        this.clock = clock;
        this.maxBuckets = maxBuckets;
        this.minWindow = minWindow;
        this.gracePeriod = gracePeriod;
    }

    /** ADWIN with River's and MOA's defaults and the given {@code delta}. */
    public static Adwin withDelta(double delta) {
        return new Adwin(delta, 32, 5, 5, 10);
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    public boolean add(double x) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException("ADWIN takes finite values, got " + x);
        }
        observations++;
        if (width > 0) {
            double d = x - total / width;
            variance += width * d * d / (width + 1);
        }
        width++;
        total += x;
        push(0, x, 0);
        return observations % clock == 0 && width > gracePeriod && cut();
    }

    /** Current window length. */
    public long width() {
        return width;
    }

    @Override
    public long observations() {
        return observations;
    }

    @Override
    public double mean() {
        return width == 0 ? Double.NaN : total / width;
    }

    /** Appends a bucket as the newest of {@code level}, merging the level's two oldest into the next level when it overflows. */
    private void push(int level, double sum, double sq) {
        if (level == counts.length) {
            counts = Arrays.copyOf(counts, level + 1);
            sums.add(new double[maxBuckets + 1]);
            squares.add(new double[maxBuckets + 1]);
        }
        int n = counts[level];
        sums.get(level)[n] = sum;
        squares.get(level)[n] = sq;
        counts[level] = n + 1;
        if (counts[level] > maxBuckets) {
            double[] s = sums.get(level);
            double[] q = squares.get(level);
            double size = Math.pow(2, level);
            double diff = (s[0] - s[1]) / size;
            double mergedSum = s[0] + s[1];
            double mergedSq = q[0] + q[1] + size / 2 * diff * diff;
            removeOldest(level, 2);
            push(level + 1, mergedSum, mergedSq);
        }
    }

    private void removeOldest(int level, int k) {
        double[] s = sums.get(level);
        double[] q = squares.get(level);
        System.arraycopy(s, k, s, 0, counts[level] - k);
        System.arraycopy(q, k, q, 0, counts[level] - k);
        counts[level] -= k;
    }

    /** Tests every split, oldest part first; drops the oldest bucket while a split differs; true when a rise was cut. */
    private boolean cut() {
        boolean alarm = false;
        boolean again = true;
        while (again && width > 2L * minWindow) {
            again = false;
            double bound = Math.log(2 * Math.log(width) / delta);
            double var = variance / width;
            long n0 = 0;
            double u0 = 0;
            outer: for (int level = counts.length - 1; level >= 0; level--) {
                long size = 1L << level;
                double[] s = sums.get(level);
                for (int b = 0; b < counts[level]; b++) {
                    n0 += size;
                    u0 += s[b];
                    long n1 = width - n0;
                    if (n1 < minWindow) {
                        break outer;
                    }
                    if (n0 >= minWindow && differs(n0, u0, n1, total - u0, var, bound)) {
                        alarm |= (total - u0) / n1 > u0 / n0; // the newer part is the higher: a rise
                        dropOldest();
                        again = true;
                        break outer;
                    }
                }
            }
        }
        return alarm;
    }

    private static boolean differs(long n0, double u0, long n1, double u1, double var, double bound) {
        double invM = 1.0 / n0 + 1.0 / n1;
        double eps = Math.sqrt(2 * invM * var * bound) + 2.0 / 3 * invM * bound;
        return Math.abs(u0 / n0 - u1 / n1) > eps;
    }

    /** Removes the window's oldest bucket, keeping the window's sum and variance exact. */
    private void dropOldest() {
        int level = counts.length - 1;
        while (counts[level] == 0) {
            level--;
        }
        long size = 1L << level;
        double sum = sums.get(level)[0];
        double sq = squares.get(level)[0];
        removeOldest(level, 1);
        width -= size;
        total -= sum;
        if (width == 0) {
            variance = 0;
        } else {
            double diff = sum / size - total / width;
            variance = Math.max(0, variance - sq - (double) size * width / (size + width) * diff * diff);
        }
        int top = counts.length;
        while (top > 0 && counts[top - 1] == 0) {
            top--;
        }
        if (top < counts.length) {
            counts = Arrays.copyOf(counts, top);
            sums.subList(top, sums.size()).clear();
            squares.subList(top, squares.size()).clear();
        }
    }

    @Override
    public State state() {
        double[][] s = new double[counts.length][];
        double[][] q = new double[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            s[i] = Arrays.copyOf(sums.get(i), counts[i]);
            q[i] = Arrays.copyOf(squares.get(i), counts[i]);
        }
        return new State(observations, width, total, variance, s, q);
    }

    @Override
    public void restore(Record state) {
        if (!(state instanceof State st)) {
            throw new IllegalArgumentException("not an ADWIN state: " + state);
        }
        if (st.sums() == null || st.squares() == null || st.sums().length != st.squares().length) {
            throw new IllegalArgumentException("ADWIN state: sums and squares must have one row per level");
        }
        long n = 0;
        for (int i = 0; i < st.sums().length; i++) {
            if (st.sums()[i] == null || st.squares()[i] == null || st.sums()[i].length != st.squares()[i].length
                    || st.sums()[i].length > maxBuckets || i > 62) {
                throw new IllegalArgumentException("ADWIN state: level " + i + " must hold at most " + maxBuckets
                        + " buckets, with a sum and a square each");
            }
            n += (long) st.sums()[i].length << i;
        }
        if (n != st.width() || st.observations() < st.width() || !Double.isFinite(st.total())
                || !(st.variance() >= 0)) {
            throw new IllegalArgumentException("ADWIN state: width " + st.width() + " does not match its buckets (" + n
                    + " observations), or its totals are not finite");
        }
        observations = st.observations();
        width = st.width();
        total = st.total();
        variance = st.variance();
        counts = new int[st.sums().length];
        sums.clear();
        squares.clear();
        for (int i = 0; i < counts.length; i++) {
            counts[i] = st.sums()[i].length;
            sums.add(Arrays.copyOf(st.sums()[i], maxBuckets + 1));
            squares.add(Arrays.copyOf(st.squares()[i], maxBuckets + 1));
        }
    }
}
