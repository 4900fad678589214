package io.streamfit.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How each strategy spends its budget: never more than it, in the stages its method prescribes. */
class StagesTest {
    private static final String[] STRATEGIES = {"grid", "random", "bayesian", "successive_halving", "hyperband"};

    @Test
    void noStrategySpendsMoreThanItsBudgetAndEveryStageTrains() {
        for (String strategy : STRATEGIES) {
            for (int trials : new int[] {1, 2, 5, 16, 27, 64}) {
                for (int eta : new int[] {2, 3, 4}) {
                    long budget = 1_000_000;
                    List<Stages.Stage> stages = Stages.plan(strategy, trials, budget, eta, 4);
                    long compute = Stages.compute(stages);
                    String what = strategy + " " + trials + " trials eta " + eta + ": " + stages;
                    assertTrue(compute <= budget && compute > budget * 0.95, what + " spends " + compute);
                    assertTrue(stages.stream().allMatch(s -> s.examplesEach() > 0 && s.trials() > 0), what);
                    assertTrue(stages.get(stages.size() - 1).closes(), what);
                    assertEquals(0, stages.get(0).keep(), what);
                }
            }
        }
    }

    @Test
    void gridAndRandomRunEveryTrialAtOnceAndBayesianInRounds() {
        assertEquals(List.of(new Stages.Stage(8, 0, 125, 0, true)), Stages.plan("random", 8, 1000, 3, 4));
        assertEquals(List.of(new Stages.Stage(8, 0, 125, 0, true)), Stages.plan("grid", 8, 1000, 3, 4));
        assertEquals(List.of(new Stages.Stage(3, 0, 100, 0, true), new Stages.Stage(3, 0, 100, 0, true),
                new Stages.Stage(3, 0, 100, 0, true), new Stages.Stage(1, 0, 100, 0, true)),
                Stages.plan("bayesian", 10, 1000, 3, 3));
    }

    @Test
    void successiveHalvingKeepsItsSurvivorsTrainingInOneGroup() {
        List<Stages.Stage> stages = Stages.plan("successive_halving", 9, 2700, 3, 4);
        assertEquals(List.of(new Stages.Stage(9, 0, 100, 0, false), new Stages.Stage(0, 3, 300, 1, false),
                new Stages.Stage(0, 1, 900, 2, true)), stages);
    }

    /** Li et al. 2018: every bracket's last trials have trained the same R examples; the first bracket starts all the trials. */
    @Test
    void hyperbandBracketsEndAtTheSameExamplesPerTrial() {
        List<Stages.Stage> stages = Stages.plan("hyperband", 27, 1_000_000, 3, 4);
        List<Long> perBracket = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        long sum = 0;
        for (Stages.Stage s : stages) {
            if (s.fresh() > 0) {
                starts.add(s.fresh());
            }
            sum += s.examplesEach();
            if (s.closes()) {
                perBracket.add(sum);
                sum = 0;
            }
        }
        // s_max = 3: brackets of 27, ceil(4/3 * 9) = 12, ceil(4/2 * 3) = 6 and 4 trials.
        assertEquals(List.of(27, 12, 6, 4), starts);
        for (long r : perBracket) {
            assertEquals(perBracket.get(0), r, 4.0, "every bracket ends at R: " + perBracket);
        }
    }

    @Test
    void aBudgetUnderOneExamplePerTrialIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Stages.plan("random", 8, 7, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> Stages.plan("annealing", 8, 100, 3, 4));
    }

    /** Stages end where batches end: every length is whole batches, and Hyperband's brackets still end together. */
    @Test
    void lengthsAreWholeBatches() {
        for (String strategy : STRATEGIES) {
            List<Stages.Stage> stages = Stages.plan(strategy, 9, 20_000, 3, 4, 64);
            assertTrue(stages.stream().allMatch(s -> s.examplesEach() % 64 == 0 && s.examplesEach() > 0),
                    strategy + ": " + stages);
            assertTrue(Stages.compute(stages) <= 20_000, strategy);
        }
        long sum = 0;
        List<Long> ends = new ArrayList<>();
        for (Stages.Stage s : Stages.plan("hyperband", 9, 20_000, 3, 4, 64)) {
            sum += s.examplesEach();
            if (s.closes()) {
                ends.add(sum);
                sum = 0;
            }
        }
        assertEquals(List.of(ends.get(0), ends.get(0), ends.get(0)), ends);
    }
}
