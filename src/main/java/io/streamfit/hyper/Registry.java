package io.streamfit.hyper;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The components of one sort that a spec may name (layers, optimizers, schedules), found by
 * their spec names, in the order the docs list them. Two components with one name are a
 * programming error, thrown when the registry is built (at class initialization).
 *
 * @param <K> the sort's descriptor, e.g. {@code OptimizerKind}
 */
public final class Registry<K> {
    private final Map<String, K> byName = new LinkedHashMap<>();

    /**
     * @param sort what the components are, for the error ({@code "optimizers"})
     * @param all  the components, in the docs' order
     * @param name a component's spec name
     */
    public Registry(String sort, List<K> all, Function<K, String> name) {
        for (K k : all) {
            if (byName.put(name.apply(k), k) != null) {
                throw new IllegalStateException("two " + sort + " named " + name.apply(k));
            }
        }
    }

    /** The component named {@code name} in a spec, or null. */
    public K named(String name) {
        return byName.get(name);
    }

    /** The names a spec may use, in the docs' order. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }
}
