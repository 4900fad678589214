package io.streamfit.service;

import io.streamfit.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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

    /** @throws Exceeded if {@code existing} models leave no room for one more */
    void checkRoomFor(String id, int existing) {
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
                rejected.put(s.id(), "not started: the specs directory declares " + specs.size() + " models and the limit is " + max
                        + " (streamfit.max-models)");
            }
        }
        return admitted;
    }
}
