package io.streamfit.search;

import io.streamfit.nn.SplitMix64;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bayesian optimization by the Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio and
 * Kégl, "Algorithms for Hyper-Parameter Optimization", NeurIPS 2011). Instead of modelling
 * {@code p(score | x)} as a Gaussian process does, TPE models {@code p(x | score)} twice:
 *
 * <pre>
 *   l(x) = density of x among the best ceil(gamma * n) trials
 *   g(x) = density of x among the others
 * </pre>
 *
 * and expected improvement over the {@code gamma}-quantile is monotone in {@code l(x) / g(x)}
 * (section 4.1). So each proposal draws {@link #CANDIDATES} points from {@code l} and keeps the
 * one with the largest {@code log l(x) - log g(x)}. Numeric spaces are modelled in their unit
 * coordinate by a {@link ParzenEstimator}; a choice by its observed frequencies with one prior
 * count per value. Spaces are modelled independently (the paper's "tree" is for conditional
 * spaces, which specs do not have). The first {@link #STARTUP} trials are random, as in the paper.
 *
 * <p>Differences from hyperopt, the authors' library: gamma is 0.25 and the candidates are 24,
 * its defaults; there is no down-weighting of old trials (it matters past about 25 trials).
 */
public final class TpeSampler implements Sampler {
    static final int STARTUP = 10;
    static final int CANDIDATES = 24;
    static final double GAMMA = 0.25;
    private final Sampler startup = new RandomSampler();

    @Override
    public Map<String, Object> suggest(Map<String, Space> spaces, List<Trial> scored, int index, SplitMix64 rng) {
        if (scored.size() < STARTUP) {
            return startup.suggest(spaces, scored, index, rng);
        }
        List<Trial> sorted = new ArrayList<>(scored);
        sorted.sort(Comparator.comparingDouble(Trial::score));
        int good = (int) Math.ceil(GAMMA * sorted.size());
        List<Trial> below = sorted.subList(0, good);
        List<Trial> above = sorted.subList(good, sorted.size());
        Map<String, Object> best = null;
        double bestGain = Double.NEGATIVE_INFINITY;
        List<Dimension> dims = new ArrayList<>();
        spaces.forEach((path, space) -> dims.add(new Dimension(path, space, below, above)));
        for (int c = 0; c < CANDIDATES; c++) {
            Map<String, Object> candidate = new LinkedHashMap<>();
            double gain = 0;
            for (Dimension d : dims) {
                Object v = d.sampleBelow(rng);
                candidate.put(d.path, v);
                gain += d.logRatio(v);
            }
            if (gain > bestGain) {
                bestGain = gain;
                best = candidate;
            }
        }
        return best;
    }

    /** One space's two densities, {@code l} from the good trials and {@code g} from the others. */
    private static final class Dimension {
        final String path;
        final Space space;
        ParzenEstimator l;
        ParzenEstimator g;
        double[] lChoice;
        double[] gChoice;

        Dimension(String path, Space space, List<Trial> below, List<Trial> above) {
            this.path = path;
            this.space = space;
            if (space instanceof Space.Numeric n) {
                l = new ParzenEstimator(units(n, below));
                g = new ParzenEstimator(units(n, above));
            } else {
                Space.Choice c = (Space.Choice) space;
                lChoice = frequencies(c, below);
                gChoice = frequencies(c, above);
            }
        }

        private double[] units(Space.Numeric n, List<Trial> trials) {
            return trials.stream().mapToDouble(t -> n.toUnit(t.values().get(path))).toArray();
        }

        private double[] frequencies(Space.Choice c, List<Trial> trials) {
            double[] p = new double[c.values().size()];
            Arrays.fill(p, 1); // one prior count per value
            for (Trial t : trials) {
                int i = c.indexOf(t.values().get(path));
                if (i >= 0) {
                    p[i]++;
                }
            }
            double sum = Arrays.stream(p).sum();
            for (int i = 0; i < p.length; i++) {
                p[i] /= sum;
            }
            return p;
        }

        Object sampleBelow(SplitMix64 rng) {
            if (space instanceof Space.Numeric n) {
                return n.fromUnit(l.sample(rng));
            }
            double r = rng.nextDouble();
            for (int i = 0; i < lChoice.length; i++) {
                r -= lChoice[i];
                if (r < 0) {
                    return ((Space.Choice) space).values().get(i);
                }
            }
            return ((Space.Choice) space).values().get(lChoice.length - 1);
        }

        double logRatio(Object v) {
            if (space instanceof Space.Numeric n) {
                double u = n.toUnit(v);
                return l.logDensity(u) - g.logDensity(u);
            }
            int i = ((Space.Choice) space).indexOf(v);
            return Math.log(lChoice[i]) - Math.log(gChoice[i]);
        }
    }
}
