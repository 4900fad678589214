package io.streamfit.health;

import io.streamfit.service.KafkaEndpoint;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the Kafka cluster answers. A model that cannot reach the brokers cannot commit
 * snapshots, and one whose input is idle would not notice on its own; this check does, within a
 * probe period, and goes UP again by itself when the brokers are back. Only readiness: the
 * process must not be restarted for an outage of the brokers, its models resume on their own.
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {
    /** Shorter than Kubernetes' default probe timeout (1 s) would be too tight for a loaded broker; the probe should allow 5 s. */
    private static final int TIMEOUT_MS = 3_000;
    /** Answers are reused this long, so frequent probes do not each cost a request. */
    private static final long CACHE_NANOS = 1_000_000_000L;

    private final KafkaEndpoint kafka;
    private HealthCheckResponse last;
    private long lastAt;

    public KafkaReadiness(KafkaEndpoint kafka) {
        this.kafka = kafka;
    }

    @Override
    public synchronized HealthCheckResponse call() {
        long now = System.nanoTime();
        if (last == null || now - lastAt > CACHE_NANOS) {
            last = probe();
            lastAt = System.nanoTime();
        }
        return last;
    }

    private HealthCheckResponse probe() {
        var b = HealthCheckResponse.named("kafka").withData("bootstrap_servers", kafka.clients().bootstrapServers());
        try {
            int nodes = kafka.admin().describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS)).nodes()
                    .get(TIMEOUT_MS + 500L, TimeUnit.MILLISECONDS).size();
            return b.withData("brokers", nodes).up().build();
        } catch (ExecutionException e) {
            return b.withData("error", String.valueOf(e.getCause().getMessage())).down().build();
        } catch (TimeoutException | RuntimeException e) {
            return b.withData("error", "no answer within " + TIMEOUT_MS + " ms: " + e).down().build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return b.withData("error", "interrupted").down().build();
        }
    }
}
