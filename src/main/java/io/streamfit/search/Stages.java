package io.streamfit.search;

import java.util.ArrayList;
import java.util.List;

/**
 * How a search spends its budget on a stream: a list of stages, each a stretch of the stream that
 * every trial running in it trains on. A stage starts {@code fresh} new trials (proposed by the
 * sampler from the trials scored so far) or keeps the best {@code keep} of the previous stage's
 * trials, and lasts {@code examplesEach} examples of the stream; each trial in it trains all of
 * them, so the stage costs {@code trials * examplesEach} examples of compute. A stage that
 * {@code closes} a group ends its trials: the best of them is compared with the best of earlier
 * groups, and the rest stop.
 *
 * <pre>
 *   grid, random     one stage of all trials, budget / trials examples each
 *   bayesian         rounds of {@code parallel} trials, budget / trials examples each; each round is
 *                    proposed from every trial scored in the rounds before it
 *   successive_halving   the rungs of {@link SuccessiveHalving#plan}; one group
 *   hyperband        brackets of successive halving from many trials started short to few
 *                    started long, each ending at the same examples per trial (Li, Jamieson,
 *                    DeSalvo, Rostamizadeh and Talwalkar, JMLR 2018): see {@link #hyperband};
 *                    one group per bracket
 * </pre>
 *
 * Every plan spends at most the budget. Pure: a function of its inputs.
 */
public final class Stages {
    private Stages() {}

    /**
     * One stage.
     *
     * @param fresh        new trials started at the stage's start
     * @param keep         trials carried over from the previous stage (its best), 0 if none
     * @param examplesEach examples of the stream the stage lasts, trained by each of its trials
     * @param rung         the successive-halving rung (0 for strategies without rungs)
     * @param closes       whether the stage ends a group (a round, a bracket, the whole search)
     */
    public record Stage(int fresh, int keep, long examplesEach, int rung, boolean closes) {
        /** Trials running in the stage. */
        public int trials() {
            return fresh + keep;
        }
    }

    /** {@link #plan(String, int, long, int, int, int)} with batches of one example. */
    public static List<Stage> plan(String strategy, int trials, long budget, int eta, int parallel) {
        return plan(strategy, trials, budget, eta, parallel, 1);
    }

    /**
     * The stages of {@code strategy} for {@code trials} trials, {@code budget} examples in all,
     * halving rate {@code eta}. Stages end where batches of {@code batch} examples end (a stage
     * is trained batch by batch): every length is rounded down to whole batches, so the plan
     * spends at most the budget and Hyperband's brackets end at the same examples per trial.
     */
    public static List<Stage> plan(String strategy, int trials, long budget, int eta, int parallel, int batch) {
        if (trials < 1 || budget < trials || eta < 2 || parallel < 1) {
            throw new IllegalArgumentException("a search needs trials >= 1, a budget of at least one example per trial, "
                    + "eta >= 2 and parallel >= 1; got " + trials + ", " + budget + ", " + eta + ", " + parallel);
        }
        List<Stage> stages = new ArrayList<>();
        switch (strategy) {
            case "grid", "random" -> stages.add(new Stage(trials, 0, whole(budget / trials, batch), 0, true));
            case "bayesian" -> {
                for (int started = 0; started < trials; started += parallel) {
                    stages.add(new Stage(Math.min(parallel, trials - started), 0, whole(budget / trials, batch), 0, true));
                }
            }
            case "successive_halving" -> halving(stages, trials, eta, budget, batch);
            case "hyperband" -> hyperband(stages, trials, eta, budget, batch);
            default -> throw new IllegalArgumentException("unknown search strategy " + strategy);
        }
        return stages;
    }

    private static long whole(long examples, int batch) {
        return examples / batch * batch;
    }

    private static void halving(List<Stage> stages, int trials, int eta, long budget, int batch) {
        List<SuccessiveHalving.Rung> rungs = SuccessiveHalving.plan(trials, eta, budget);
        for (int k = 0; k < rungs.size(); k++) {
            SuccessiveHalving.Rung r = rungs.get(k);
            stages.add(new Stage(k == 0 ? r.trials() : 0, k == 0 ? 0 : r.trials(), whole(r.examplesEach(), batch), k,
                    k == rungs.size() - 1));
        }
    }

    /**
     * Hyperband (Li et al. 2018, algorithm 1) with brackets {@code s = s_max .. 0}, {@code s_max} the
     * largest with {@code eta^s_max <= trials}. Bracket {@code s} starts
     * {@code n_s = ceil((s_max + 1) / (s + 1) * eta^s)} trials ({@code trials} for the first) and runs
     * successive halving with rungs {@code i = 0 .. s} of {@code floor(n_s / eta^i)} trials, each
     * trained up to {@code r_i = R * eta^(i - s)} examples in all; so every bracket's last trial has
     * trained {@code R} examples, and their scores compare. {@code R} is the largest the budget allows.
     */
    private static void hyperband(List<Stage> stages, int trials, int eta, long budget, int batch) {
        int top = 0;
        for (long p = eta; p <= trials; p *= eta) {
            top++;
        }
        // Compute per example of R: sum over brackets and rungs of trials times new examples.
        double perR = 0;
        int[] starts = new int[top + 1];
        for (int s = top; s >= 0; s--) {
            starts[s] = s == top ? trials : (int) Math.min(trials, Math.ceil((top + 1.0) / (s + 1) * Math.pow(eta, s)));
            for (int i = 0; i <= s; i++) {
                perR += Math.max(1, starts[s] / (int) Math.pow(eta, i))
                        * (Math.pow(eta, i - s) - (i == 0 ? 0 : Math.pow(eta, i - 1 - s)));
            }
        }
        double r = Math.floor(budget / perR);
        for (int s = top; s >= 0; s--) {
            long before = 0;
            for (int i = 0; i <= s; i++) {
                long upTo = whole((long) Math.floor(r * Math.pow(eta, i - s)), batch);
                int n = Math.max(1, starts[s] / (int) Math.pow(eta, i));
                stages.add(new Stage(i == 0 ? n : 0, i == 0 ? 0 : n, upTo - before, i, i == s));
                before = upTo;
            }
        }
    }

    /** Examples of compute the stages spend: each stage's trials times its length. */
    public static long compute(List<Stage> stages) {
        return stages.stream().mapToLong(s -> s.trials() * s.examplesEach()).sum();
    }

    /** Examples of the stream the stages take, one after the other. */
    public static long length(List<Stage> stages) {
        return stages.stream().mapToLong(Stage::examplesEach).sum();
    }

    /** The sampler a strategy proposes trials with: TPE for bayesian, a grid for grid, random otherwise. */
    public static Sampler sampler(String strategy, int trials) {
        return switch (strategy) {
            case "grid" -> new GridSampler(trials);
            case "bayesian" -> new TpeSampler();
            default -> new RandomSampler();
        };
    }
}
