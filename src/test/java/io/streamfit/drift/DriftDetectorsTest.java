package io.streamfit.drift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * ADWIN and Page-Hinkley against their published behaviour, on seeded streams: no alarm (or
 * alarms within ADWIN's stated rate) while the mean stays put over long runs; an alarm within a
 * stated delay after an abrupt change; an alarm during a gradual one; exact window statistics;
 * and a state that restores bitwise. The delays measured here are in {@code docs/drift.md}.
 */
class DriftDetectorsTest {
    private static final int SEEDS = 10;

    /** Bernoulli(p) observations, as an error indicator: the stream ADWIN's paper evaluates on. */
    private static DoubleUnaryOperator bernoulli(SplittableRandom rnd) {
        return p -> rnd.nextDouble() < p ? 1 : 0;
    }

    /** Gaussian observations of mean {@code mu} and standard deviation 0.1: a per-batch loss. */
    private static DoubleUnaryOperator gaussian(SplittableRandom rnd) {
        return mu -> mu + 0.1 * gauss(rnd);
    }

    private static double gauss(SplittableRandom rnd) {
        double u = 1 - rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    /** Alarms (observation numbers, 1-based) over {@code n} observations whose mean at i is {@code mu.applyAsDouble(i)}. */
    private static List<Long> alarms(DriftDetector d, DoubleUnaryOperator draw, DoubleUnaryOperator mu, int n) {
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (d.add(draw.applyAsDouble(mu.applyAsDouble(i)))) {
                at.add((long) i + 1);
            }
        }
        return at;
    }

    @Test
    void adwinStaysWithinItsFalseAlarmRateOnStationaryStreams() {
        // Theorem 3.1: with a constant mean, a check cuts with probability at most delta.
        int n = 100_000;
        long alarms = 0;
        long checks = 0;
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            Adwin bern = Adwin.withDelta(0.002);
            alarms += alarms(bern, bernoulli(rnd), i -> 0.2, n).size();
            Adwin loss = Adwin.withDelta(0.002);
            alarms += alarms(loss, gaussian(rnd), i -> 0.5, n).size();
            checks += 2L * n / 32;
            assertTrue(bern.width() > n / 2, "no cut, so the window keeps (nearly) everything: " + bern.width());
        }
        System.out.printf("ADWIN stationary: %d alarms in %d checks (bound: %.1f)%n", alarms, checks, checks * 0.002);
        assertTrue(alarms <= checks * 0.002, alarms + " false alarms in " + checks + " checks");
        assertTrue(alarms <= 2, "measured 0 here; a handful would mean the bound is mis-computed: " + alarms);
    }

    @Test
    void adwinDetectsAnAbruptChangeWithinItsDelay() {
        // The paper's abrupt change of a Bernoulli mean, 0.2 to 0.8 (and a smaller one, 0.2 to 0.4),
        // after 10,000 stationary observations; and a per-batch loss that jumps by 5 standard deviations.
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom rnd = new SplittableRandom(100 + seed);
            assertDetects(Adwin.withDelta(0.002), bernoulli(rnd), 0.2, 0.8, 10_000, 64);
            assertDetects(Adwin.withDelta(0.002), bernoulli(rnd), 0.2, 0.4, 10_000, 512);
            assertDetects(Adwin.withDelta(0.002), gaussian(rnd), 0.5, 1.0, 10_000, 64);
        }
    }

    @Test
    void adwinFollowsAGradualChangeAndKeepsOnlyTheNewConcept() {
        // Mean 0.2 for 5,000 observations, rising linearly to 0.8 over 2,000, then 0.8 for 5,000.
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom rnd = new SplittableRandom(200 + seed);
            Adwin a = Adwin.withDelta(0.002);
            List<Long> at = alarms(a, bernoulli(rnd), i -> i < 5000 ? 0.2 : i < 7000 ? 0.2 + 0.6 * (i - 5000) / 2000 : 0.8,
                    12_000);
            assertFalse(at.isEmpty(), "seed " + seed + ": no alarm");
            assertTrue(at.get(0) > 5000 && at.get(0) <= 7000, "seed " + seed + ": first alarm at " + at);
            System.out.printf("adwin gradual: first alarm at %d%n", at.get(0));
            assertTrue(a.width() < 7000, "the window dropped what came before the ramp: " + a.width());
            assertEquals(0.8, a.mean(), 0.05, "seed " + seed);
        }
    }

    @Test
    void adwinFollowsAFallWithoutAnAlarm() {
        // A loss that falls (the model learning, or recovering after a drift) is cut from the
        // window like any change, but raises no alarm: its actions would reset a learning model.
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom rnd = new SplittableRandom(600 + seed);
            Adwin a = Adwin.withDelta(0.002);
            assertTrue(alarms(a, gaussian(rnd), i -> i < 5000 ? 1.5 : 0.5, 20_000).isEmpty(), "seed " + seed);
            assertTrue(a.width() < 15_500, "the window dropped the old, higher loss: " + a.width());
            assertEquals(0.5, a.mean(), 0.01);
        }
    }

    @Test
    void adwinKeepsItsWindowsSumAndVarianceExactAndItsMemoryLogarithmic() {
        SplittableRandom rnd = new SplittableRandom(7);
        Adwin a = Adwin.withDelta(0.002);
        double[] xs = new double[300_000];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = i < 150_000 ? 0.3 + 0.1 * gauss(rnd) : 0.9 + 0.2 * gauss(rnd);
            a.add(xs[i]);
        }
        long w = a.width();
        assertTrue(w <= 150_000 + 64, "everything before the change was cut: width " + w);
        double sum = 0;
        for (int i = xs.length - (int) w; i < xs.length; i++) {
            sum += xs[i];
        }
        double mean = sum / w;
        double sq = 0;
        for (int i = xs.length - (int) w; i < xs.length; i++) {
            sq += (xs[i] - mean) * (xs[i] - mean);
        }
        Adwin.State s = a.state();
        assertEquals(mean, a.mean(), 1e-12);
        assertEquals(sq, s.variance(), 1e-9 * sq);
        int buckets = 0;
        for (double[] level : s.sums()) {
            buckets += level.length;
        }
        assertTrue(buckets <= 5 * (64 - Long.numberOfLeadingZeros(w)), buckets + " buckets for a window of " + w);
    }

    @Test
    void pageHinkleyRaisesFalseAlarmsNoMoreOftenThanSiegmundsRunLength() {
        // In control, the statistic is a reflected random walk with drift -delta. Siegmund's (1985)
        // approximation of its average run length to a false alarm, for Gaussian noise of standard
        // deviation s: ARL0 = (e^b - 1 - b) * s^2 / (2 delta^2), b = 2 delta threshold / s^2.
        // s = 0.1 (a batch's loss): b = 50, ARL0 ~ 1e24: never. s = 0.3: b = 5.6, ARL0 ~ 4.5e5.
        long quiet = 0;
        long noisy = 0;
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom rnd = new SplittableRandom(300 + seed);
            quiet += alarms(new PageHinkley(0.005, 50, 0.9999, 30), gaussian(rnd), i -> 0.5, 100_000).size();
            noisy += alarms(new PageHinkley(0.005, 50, 0.9999, 30), x -> 2 + 0.3 * gauss(rnd), i -> 0, 100_000).size();
        }
        double b = 2 * 0.005 * 50 / 0.09;
        double expected = SEEDS * 100_000 / ((Math.exp(b) - 1 - b) * 0.09 / (2 * 0.005 * 0.005));
        System.out.printf("Page-Hinkley stationary: s=0.1 %d alarms, s=0.3 %d alarms (Siegmund: %.2f expected)%n", quiet,
                noisy, expected);
        assertEquals(0, quiet, "false alarms in " + SEEDS + " runs of 100,000 at s = 0.1");
        // Poisson: at most 3x the expectation plus 3 (forgetting with alpha < 1 only lowers the rate).
        assertTrue(noisy <= 3 * expected + 3, noisy + " false alarms at s = 0.3, expected " + expected);
    }

    @Test
    void pageHinkleyDetectsAnAbruptRiseAfterAboutThresholdOverRise() {
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom rnd = new SplittableRandom(400 + seed);
            // A rise of 1.0: threshold / (rise - delta) = 50.3 observations; the running mean
            // follows the new values a little, so a few more.
            assertDetects(new PageHinkley(0.005, 50, 0.9999, 30), gaussian(rnd), 0.5, 1.5, 10_000, 60);
            assertDetects(new PageHinkley(0.005, 50, 0.9999, 30), gaussian(rnd), 0.5, 0.75, 10_000, 230);
        }
    }

    @Test
    void pageHinkleyIgnoresAFallAndCatchesAGradualRise() {
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom rnd = new SplittableRandom(500 + seed);
            // MOA's and River's form (forgetting the sum, then its minimum) alarms here once the
            // forgotten sum climbs back from its minimum.
            assertTrue(alarms(new PageHinkley(0.005, 50, 0.9999, 30), gaussian(rnd), i -> i < 5000 ? 1.5 : 0.5, 100_000)
                    .isEmpty(), "a falling loss is not drift");
            // 0.5 rising to 1.5 over 2,000 observations from 5,000 on.
            List<Long> at = alarms(new PageHinkley(0.005, 50, 0.9999, 30), gaussian(rnd),
                    i -> i < 5000 ? 0.5 : i < 7000 ? 0.5 + (i - 5000) / 2000.0 : 1.5, 12_000);
            assertFalse(at.isEmpty(), "seed " + seed);
            assertTrue(at.get(0) > 5000 && at.get(0) <= 7000, "seed " + seed + ": first alarm at " + at);
            System.out.printf("page_hinkley gradual: first alarm at %d%n", at.get(0));
        }
    }

    /** Stationary at {@code before} for {@code stable} observations, then at {@code after}: one alarm within {@code maxDelay}, none before. */
    private static void assertDetects(DriftDetector d, DoubleUnaryOperator draw, double before, double after, int stable,
            int maxDelay) {
        List<Long> at = alarms(d, draw, i -> i < stable ? before : after, stable + 5 * maxDelay);
        assertFalse(at.isEmpty(), d.type() + " " + before + " -> " + after + ": no alarm");
        long delay = at.get(0) - stable;
        System.out.printf("%s %s -> %s: delay %d%n", d.type(), before, after, delay);
        assertTrue(delay > 0 && delay <= maxDelay, d.type() + " " + before + " -> " + after + ": alarms at " + at
                + ", delay " + delay + " > " + maxDelay);
    }

    @Test
    void restoredDetectorsRaiseTheSameAlarmsBitwise() {
        for (Supplier<DriftDetector> make : List.<Supplier<DriftDetector>>of(() -> Adwin.withDelta(0.002),
                () -> new PageHinkley(0.005, 5, 0.9999, 30))) {
            SplittableRandom rnd = new SplittableRandom(9);
            double[] xs = new double[40_000];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (i / 5000 % 2 == 0 ? 0.3 : 0.8) + 0.1 * gauss(rnd);
            }
            DriftDetector original = make.get();
            for (int i = 0; i < 12_345; i++) {
                original.add(xs[i]);
            }
            DriftDetector copy = make.get();
            copy.restore(original.state());
            List<Integer> a = new ArrayList<>();
            List<Integer> b = new ArrayList<>();
            for (int i = 12_345; i < xs.length; i++) {
                if (original.add(xs[i])) {
                    a.add(i);
                }
                if (copy.add(xs[i])) {
                    b.add(i);
                }
            }
            assertTrue(a.size() >= 3, original.type() + " alarmed at the later rises: " + a);
            assertEquals(a, b, original.type());
            assertEquals(Double.doubleToLongBits(original.mean()), Double.doubleToLongBits(copy.mean()));
            assertEquals(original.observations(), copy.observations());
            if (original instanceof Adwin oa) {
                Adwin.State s1 = oa.state();
                Adwin.State s2 = ((Adwin) copy).state();
                assertEquals(s1.variance(), s2.variance(), 0);
                for (int l = 0; l < s1.sums().length; l++) {
                    assertArrayEquals(s1.sums()[l], s2.sums()[l], 0);
                    assertArrayEquals(s1.squares()[l], s2.squares()[l], 0);
                }
            } else {
                assertEquals(original.state(), copy.state());
            }
        }
    }

    @Test
    void badInputAndBadStatesAreRefusedWithTheReason() {
        Adwin a = Adwin.withDelta(0.002);
        assertThrows(IllegalArgumentException.class, () -> a.add(Double.NaN));
        assertEquals(0, a.observations(), "a refused value is not taken");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.restore(new Adwin.State(3, 3, 1, 0, new double[][] {{1}}, new double[][] {{0}})));
        assertTrue(e.getMessage().contains("width 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.restore(new PageHinkley.State(1, 1, 0, 0)));
        PageHinkley p = new PageHinkley(0.005, 50, 0.9999, 30);
        assertThrows(IllegalArgumentException.class, () -> p.add(Double.POSITIVE_INFINITY));
        e = assertThrows(IllegalArgumentException.class, () -> p.restore(new PageHinkley.State(1, 2, 0, 0)));
        assertTrue(e.getMessage().contains("since_alarm"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Adwin(0, 32, 5, 5, 10));
    }
}
