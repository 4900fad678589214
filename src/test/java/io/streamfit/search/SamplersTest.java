package io.streamfit.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.SplitMix64;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The samplers against objectives whose optimum is known, each averaged over seeds (every seed
 * also moves the optimum, so no strategy is tested on a lucky spot):
 * <ul>
 *   <li>every strategy finds a known best learning rate within a factor of 2;</li>
 *   <li>random beats grid search at equal budget when one of two parameters matters (Bergstra
 *       and Bengio 2012's setting);</li>
 *   <li>TPE beats random search at equal budget on a smooth objective;</li>
 *   <li>a sampler's proposal is a function of the history and the generator's state (what a
 *       restored search relies on).</li>
 * </ul>
 * The figures each test prints are quoted in docs.
 */
class SamplersTest {
    /** Runs a sequential search of {@code budget} trials; returns the best score. */
    private static double bestOf(Sampler sampler, Map<String, Space> spaces, int budget,
            ToDoubleFunction<Map<String, Object>> objective, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        List<Trial> history = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < budget; i++) {
            Map<String, Object> v = sampler.suggest(spaces, history, i, rng);
            double score = objective.applyAsDouble(v);
            history.add(new Trial(v, score));
            best = Math.min(best, score);
        }
        return best;
    }

    private static double d(Map<String, Object> v, String path) {
        return ((Number) v.get(path)).doubleValue();
    }

    @Test
    void everyStrategyFindsAKnownBestLearningRate() {
        Map<String, Space> spaces = Map.of("optimizer.lr", new Space.LogUniform(1e-4, 1e-1));
        for (Sampler s : List.of(new GridSampler(30), new RandomSampler(), new TpeSampler())) {
            double worst = 0;
            for (long seed = 1; seed <= 20; seed++) {
                double optimum = Math.pow(10, -3.5 + 2 * new SplitMix64(seed * 7919).nextDouble()); // in [3e-4, 3e-2]
                double best = bestOf(s, spaces, 30, v -> Math.abs(Math.log10(d(v, "optimizer.lr") / optimum)), seed);
                worst = Math.max(worst, best);
            }
            System.out.printf("SamplersTest: %s finds the best lr within a factor of %.3f (worst of 20 seeds)%n",
                    s.getClass().getSimpleName(), Math.pow(10, worst));
            assertTrue(worst < Math.log10(2), s.getClass().getSimpleName() + " within a factor of 2: " + Math.pow(10, worst));
        }
    }

    @Test
    void randomBeatsGridWhenOneOfTwoParametersMatters() {
        Map<String, Space> spaces = new LinkedHashMap<>();
        spaces.put("matters", new Space.Uniform(0, 1));
        spaces.put("does_not", new Space.Uniform(0, 1));
        double grid = 0;
        double random = 0;
        int seeds = 200;
        for (long seed = 1; seed <= seeds; seed++) {
            double c = new SplitMix64(seed * 104729).nextDouble();
            ToDoubleFunction<Map<String, Object>> f = v -> Math.pow(d(v, "matters") - c, 2) + 1e-3 * d(v, "does_not");
            grid += bestOf(new GridSampler(16), spaces, 16, f, seed) / seeds;
            random += bestOf(new RandomSampler(), spaces, 16, f, seed) / seeds;
        }
        System.out.printf("SamplersTest: 16 trials, one of two parameters matters: mean best %.5f grid, %.5f random%n", grid,
                random);
        assertTrue(random < 0.7 * grid, "random " + random + " beats grid " + grid);
    }

    @Test
    void tpeBeatsRandomOnASmoothObjective() {
        Map<String, Space> spaces = new LinkedHashMap<>();
        spaces.put("optimizer.lr", new Space.LogUniform(1e-4, 1e-1));
        spaces.put("optimizer.weight_decay", new Space.Uniform(0, 0.01));
        spaces.put("layers[0].units", new Space.IntUniform(16, 256));
        double tpe = 0;
        double random = 0;
        int seeds = 30;
        for (long seed = 1; seed <= seeds; seed++) {
            SplitMix64 at = new SplitMix64(seed * 15485863);
            double[] c = {at.nextDouble(), at.nextDouble(), at.nextDouble()};
            ToDoubleFunction<Map<String, Object>> f = v -> {
                double s = 0;
                int i = 0;
                for (Map.Entry<String, Space> e : spaces.entrySet()) {
                    double u = ((Space.Numeric) e.getValue()).toUnit(v.get(e.getKey()));
                    s += Math.pow(u - c[i++], 2);
                }
                return s;
            };
            tpe += bestOf(new TpeSampler(), spaces, 40, f, seed) / seeds;
            random += bestOf(new RandomSampler(), spaces, 40, f, seed) / seeds;
        }
        System.out.printf("SamplersTest: 40 trials, 3 parameters, smooth objective: mean best %.5f TPE, %.5f random%n", tpe,
                random);
        assertTrue(tpe < 0.7 * random, "TPE " + tpe + " beats random " + random);
    }

    @Test
    void aProposalDependsOnlyOnTheHistoryAndTheGeneratorState() {
        Map<String, Space> spaces = new LinkedHashMap<>();
        spaces.put("optimizer.lr", new Space.LogUniform(1e-4, 1e-1));
        spaces.put("optimizer.type", new Space.Choice(List.of("adam", "sgd", "rmsprop")));
        List<Trial> history = new ArrayList<>();
        SplitMix64 rng = new SplitMix64(3);
        for (int i = 0; i < 15; i++) {
            Map<String, Object> v = new TpeSampler().suggest(spaces, history, i, rng);
            history.add(new Trial(v,
                    Math.abs(Math.log10(d(v, "optimizer.lr")) + 2) + ("adam".equals(v.get("optimizer.type")) ? 0 : 1)));
        }
        long state = rng.state();
        Map<String, Object> first = new TpeSampler().suggest(spaces, List.copyOf(history), 15, rng);
        Map<String, Object> again = new TpeSampler().suggest(spaces, List.copyOf(history), 15, new SplitMix64(state));
        assertEquals(first, again, "the same history and generator state propose the same trial");
    }

    @Test
    void spacesMapTheirUnitCoordinateAndRefuseBadBounds() {
        Space.IntUniform widths = new Space.IntUniform(1, 4);
        int[] counts = new int[5];
        SplitMix64 rng = new SplitMix64(1);
        for (int i = 0; i < 40_000; i++) {
            counts[((Long) widths.sample(rng)).intValue()]++;
        }
        for (int w = 1; w <= 4; w++) {
            assertEquals(10_000, counts[w], 400, "each integer an equal share: " + w);
        }
        Space.LogUniform lr = new Space.LogUniform(1e-4, 1e-2);
        assertEquals(1e-3, (double) lr.fromUnit(0.5), 1e-12);
        assertEquals(0.5, lr.toUnit(1e-3), 1e-12);
        assertEquals(List.of(1L, 2L, 3L, 4L), widths.grid(4));
        assertThrows(IllegalArgumentException.class, () -> new Space.LogUniform(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Space.Uniform(1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Space.IntUniform(5, 4));
        assertThrows(IllegalArgumentException.class, () -> new Space.Choice(List.of()));
    }

    @Test
    void aGridWalksTheProductWithinItsBudget() {
        Map<String, Space> spaces = new LinkedHashMap<>();
        spaces.put("a", new Space.Uniform(0, 1));
        spaces.put("b", new Space.Choice(List.of("x", "y")));
        List<Map<String, Object>> points = new GridSampler(10).points(spaces);
        assertEquals(10, points.size(), "5 values of a times 2 of b");
        assertEquals(Map.of("a", 0.1, "b", "x"), points.get(0));
        assertEquals(Map.of("a", 0.1, "b", "y"), points.get(1));
    }
}
