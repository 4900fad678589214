package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.search.Space;
import io.streamfit.search.Stages;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A search spec as the service holds it: one {@link ModelSpec} that stands for the whole search
 * (what {@link SpecParser#parse} returns for a spec with a {@code search} section), and the size
 * of the snapshots that carry every live trial.
 *
 * <p>The representative spec has each space at its middle value ({@link Space#middle}), so it
 * is valid like any other spec and the shared fields (topic, batch size, snapshot policy, early
 * stopping) read as usual. Its {@link ModelSpec#source()} is the whole document, search section
 * and spaces included: the models topic, the spec directory and {@code GET /models/{id}/spec}
 * keep the search, and {@link ModelSpec#search()} finds it again.
 */
public final class SearchModels {
    private SearchModels() {}

    /** @throws SpecException naming each bad field of the search or of the spec */
    static ModelSpec representative(JsonNode root) {
        SearchSpecs.Plan plan = SearchSpecs.plan(root);
        return SpecParser.parse(SearchSpaces.with(plan.base(), middles(plan))).withSource(root);
    }

    private static Map<String, Object> middles(SearchSpecs.Plan plan) {
        Map<String, Object> values = new LinkedHashMap<>();
        plan.spaces().forEach((path, space) -> values.put(path, space.middle()));
        return values;
    }

    /**
     * The most trials that hold a model at once: the largest stage's, the best of the groups
     * already closed (bayesian rounds, hyperband brackets), and in continuous mode the winner and
     * its challengers.
     */
    public static int liveModelsAtMost(SearchSpecs.SearchSpec search) {
        int most = search.stages().stream().mapToInt(Stages.Stage::trials).max().orElse(1) + 1;
        if (search.continuous() != null) {
            most = Math.max(most, 1 + search.continuous().challengers());
        }
        return most;
    }

    /**
     * An upper estimate of a search snapshot's size: {@link #liveModelsAtMost} models, each as
     * large as the largest trial. The largest is found space by space: each space moved to the
     * end that makes the snapshot largest, the others kept there (sizes grow with widths, so this
     * reaches the largest combination without trying them all).
     */
    public static long estimatedSnapshotBytes(SearchSpecs.Plan plan) {
        Map<String, Object> values = middles(plan);
        long largest = estimate(plan, values);
        for (Map.Entry<String, Space> e : plan.spaces().entrySet()) {
            Object best = values.get(e.getKey());
            for (Object end : SearchSpaces.ends(e.getValue())) {
                values.put(e.getKey(), end);
                long bytes = estimate(plan, values);
                if (bytes > largest) {
                    largest = bytes;
                    best = end;
                }
            }
            values.put(e.getKey(), best);
        }
        // Every trial's metadata (its spec and window) is in the header beside its tensors.
        return liveModelsAtMost(plan.search()) * largest + 8L * 1024 * plan.search().trials();
    }

    /** The estimate of one combination; 0 for one the spec refuses (e.g. over the parameter limit): such a trial never trains. */
    private static long estimate(SearchSpecs.Plan plan, Map<String, Object> values) {
        try {
            return SpecParser.parse(SearchSpaces.with(plan.base(), values)).estimatedSnapshotBytes();
        } catch (SpecException e) {
            return 0;
        }
    }

    /** The values of the representative spec, by path (for documentation and tests). */
    public static Map<String, Object> representativeValues(SearchSpecs.Plan plan) {
        return middles(plan);
    }
}
