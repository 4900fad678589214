package io.streamfit.api;

import io.quarkus.runtime.StartupEvent;
import io.streamfit.config.StreamfitConfig;
import io.streamfit.service.RelayPolicy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Who may call this instance besides API-key holders, and start-up rules about keys.
 * <ul>
 *   <li>With {@code streamfit.cluster.secret}, requests relayed to another instance are signed
 *       ({@link RelaySignature}) and carry no credentials of the caller; a relayed request
 *       arriving here must carry a valid signature ({@link RelayAuthFilter}).</li>
 *   <li>With API keys and no secret, requests are not relayed at all (a model trained elsewhere
 *       answers 404 naming its instance), and the service warns at start.</li>
 *   <li>With {@code streamfit.api.require-keys=true} and no key, start-up fails with a message
 *       naming the settings, before any model starts.</li>
 * </ul>
 */
@ApplicationScoped
public class ClusterAuth {
    private static final Logger LOG = Logger.getLogger(ClusterAuth.class);
    private final StreamfitConfig config;
    private final Optional<RelaySignature> signature;

    public ClusterAuth(StreamfitConfig config) {
        this.config = config;
        this.signature = config.cluster().secret().map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> new RelaySignature(s, config.cluster().relayClockSkew()));
    }

    Optional<RelaySignature> signature() {
        return signature;
    }

    void check(@Observes @Priority(1) StartupEvent e) {
        if (config.api().requireKeys() && !RelayPolicy.keysConfigured(config)) {
            String message = "streamfit.api.require-keys is true but no API key is configured: set streamfit.api.keys "
                    + "(environment STREAMFIT_API_KEYS, e.g. from the streamfit-secrets Secret); refusing to start with an open API";
            LOG.error(message); // one clear line before Quarkus' stack trace
            throw new IllegalStateException(message);
        }
        if (!RelayPolicy.relayAllowed(config) && config.ownership().enabled() && config.ownership().forwardRequests()) {
            LOG.warn(
                    "streamfit.api.keys is set but streamfit.cluster.secret is not: requests for models other instances train are "
                            + "not relayed (they get a 404 naming the instance); set the same streamfit.cluster.secret on every instance to relay them");
        }
    }
}
