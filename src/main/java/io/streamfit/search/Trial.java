package io.streamfit.search;

import java.util.Map;

/**
 * A finished (or scored) trial as the samplers see it: its values by spec path, e.g.
 * {@code optimizer.lr} or {@code layers[0].units}, and its score, lower is better (a loss, or
 * {@code 1 - accuracy}).
 */
public record Trial(Map<String, Object> values, double score) {
    public Trial {
        values = Map.copyOf(values);
    }
}
