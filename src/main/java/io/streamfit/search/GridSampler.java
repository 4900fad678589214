package io.streamfit.search;

import io.streamfit.nn.SplitMix64;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Grid search over {@code budget} trials: each numeric space gets {@code k} cell centres, with
 * {@code k} the largest for which the product over all spaces stays within the budget (a choice
 * keeps all its values); the trials walk the product in order, the last space fastest. Once the
 * grid is done, further trials repeat it. Deterministic: the generator is not used.
 */
public final class GridSampler implements Sampler {
    private final int budget;

    public GridSampler(int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("a grid needs a budget of at least 1 trial");
        }
        this.budget = budget;
    }

    /** The points of the grid, in the order the trials take them. */
    public List<Map<String, Object>> points(Map<String, Space> spaces) {
        int k = 1;
        while (size(spaces, k + 1) <= budget && k < budget) {
            k++;
        }
        List<Map<String, Object>> points = new ArrayList<>();
        points.add(new LinkedHashMap<>());
        for (Map.Entry<String, Space> e : spaces.entrySet()) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> p : points) {
                for (Object v : e.getValue().grid(k)) {
                    Map<String, Object> q = new LinkedHashMap<>(p);
                    q.put(e.getKey(), v);
                    next.add(q);
                }
            }
            points = next;
        }
        return points;
    }

    private static long size(Map<String, Space> spaces, int k) {
        long n = 1;
        for (Space s : spaces.values()) {
            n *= s.grid(k).size();
        }
        return n;
    }

    @Override
    public Map<String, Object> suggest(Map<String, Space> spaces, List<Trial> scored, int index, SplitMix64 rng) {
        List<Map<String, Object>> points = points(spaces);
        return points.get(index % points.size());
    }
}
