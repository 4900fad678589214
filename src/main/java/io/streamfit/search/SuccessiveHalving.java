package io.streamfit.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Successive halving (Karnin, Koren and Somekh, ICML 2013; Jamieson and Talwalkar, AISTATS 2016):
 * start {@code n} trials, and at the end of each rung keep the best {@code 1/eta} of them, until
 * one is left. The budget, in examples trained over all trials, is split equally between the
 * rungs, and within a rung equally between its trials; so a trial that survives trains
 * {@code eta} times as many new examples in the next rung, and most of the compute goes to the
 * few that look best.
 *
 * <pre>
 *   trials    n_k = max(1, floor(n / eta^k))    k = 0, 1, ... up to the first rung of one trial
 *   rungs     R   = how many that makes
 *   examples  e_k = floor(budget / (R * n_k))                  new examples per trial in rung k
 *   spent     sum_k n_k * e_k  <=  budget
 * </pre>
 *
 * On a stream every live trial sees the same records, so "training e_k more examples" is the same
 * stretch of the stream for all of them, and their scores (prequential, on examples none has
 * trained on yet) compare like with like. Pure: no state, the plan is a function of its inputs.
 */
public final class SuccessiveHalving {
    private SuccessiveHalving() {}

    /** One rung: how many trials train in it, and how many new examples each trains. */
    public record Rung(int trials, long examplesEach) {}

    /** The rungs for {@code trials} trials, halving rate {@code eta} and {@code budget} examples in all. */
    public static List<Rung> plan(int trials, int eta, long budget) {
        if (trials < 1 || eta < 2 || budget < 1) {
            throw new IllegalArgumentException("successive halving needs trials >= 1, eta >= 2 and a budget >= 1, got "
                    + trials + ", " + eta + ", " + budget);
        }
        List<Integer> counts = new ArrayList<>();
        long power = 1;
        do {
            counts.add((int) Math.max(1, trials / power));
            power *= eta;
        } while (counts.get(counts.size() - 1) > 1);
        List<Rung> plan = new ArrayList<>();
        for (int n : counts) {
            plan.add(new Rung(n, budget / ((long) counts.size() * n)));
        }
        return plan;
    }

    /**
     * The {@code keep} best of the trials scored (lower is better), as their indices in
     * {@code scores}; ties go to the lower index, so the choice is deterministic.
     */
    public static List<Integer> survivors(List<Double> scores, int keep) {
        return IntStream.range(0, scores.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> scores.get(i)).thenComparing(i -> i))
                .limit(Math.max(0, keep)).sorted().toList();
    }
}
