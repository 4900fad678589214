package io.streamfit.service;

import io.streamfit.spec.ModelSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cluster-wide limit on models ({@code streamfit.max-models}): every model costs about 3
 * threads, 16 file descriptors and 17 MB on the instance that trains it. It counts the specs
 * directory and the models topic together. Guarantee: {@code POST /models} never takes the
 * count above the limit through one instance; concurrent creations through different instances
 * may each pass the check, so the count can exceed it by at most one per instance that creates
 * at that moment. Specs from the directory beyond it are rejected specs; specs already stored in
 * the models topic keep running (the limit governs admission, it stops no model).
 */
public final class ModelLimit {
    /** A refused creation: 409, with the limit and the setting named. */
    public static final class Exceeded extends RuntimeException {
        Exceeded(String message) {
            super(message);
        }
    }

    private final int max;

    ModelLimit(int max) {
        this.max = max;
    }

    /**
     * @param known the ids of the models that exist (sets may overlap; {@code id} itself, a
     *     duplicate that the caller refuses anyway, does not count)
     * @throws Exceeded if they leave no room for one more
     */
    @SafeVarargs
    final void checkRoomFor(String id, Collection<String>... known) {
        Set<String> ids = new HashSet<>();
        for (Collection<String> k : known) {
            ids.addAll(k);
        }
        ids.remove(id);
        int existing = ids.size();
        if (existing >= max) {
            throw new Exceeded("model \"" + id + "\" not created: the cluster has " + existing + " models and the limit is " + max
                    + " (streamfit.max-models); delete a model (DELETE /models/{id}) or raise the limit");
        }
    }

    /** The specs within the limit, in order; the others are added to {@code rejected} with the reason. */
    List<ModelSpec> admit(List<ModelSpec> specs, Map<String, String> rejected) {
        List<ModelSpec> admitted = new ArrayList<>();
        for (ModelSpec s : specs) {
            if (admitted.size() < max) {
                admitted.add(s);
            } else {
                rejected.put(s.id(),
                        "not started: the specs directory declares " + specs.size() + " models and the limit is " + max
                                + " (streamfit.max-models)");
            }
        }
        return admitted;
    }
}
