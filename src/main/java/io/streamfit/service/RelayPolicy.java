package io.streamfit.service;

import io.streamfit.config.StreamfitConfig;
import java.util.List;

/**
 * Whether requests may be relayed between instances. Relayed requests never carry the caller's
 * API key; with keys configured they are authorized by a signature made with the cluster secret,
 * so with keys and no secret nothing is relayed (a model trained elsewhere answers 404 naming
 * its instance, as with {@code streamfit.ownership.forward-requests=false}).
 */
public final class RelayPolicy {
    private RelayPolicy() {}

    /** Whether any API key is configured. */
    public static boolean keysConfigured(StreamfitConfig config) {
        return config.api().keys().orElse(List.of()).stream().anyMatch(k -> !k.isBlank());
    }

    /** Whether a cluster secret is configured. */
    public static boolean secretConfigured(StreamfitConfig config) {
        return config.cluster().secret().filter(s -> !s.isBlank()).isPresent();
    }

    /** Not with API keys but no secret to sign relayed requests. */
    public static boolean relayAllowed(StreamfitConfig config) {
        return !keysConfigured(config) || secretConfigured(config);
    }
}
