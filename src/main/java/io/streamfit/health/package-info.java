/**
 * The MicroProfile health checks behind Kubernetes' probes:
 * {@link io.streamfit.health.ModelsStarted} (startup: ownership joined and owned models restored),
 * {@link io.streamfit.health.ModelsReadiness} and {@link io.streamfit.health.KafkaReadiness}
 * (readiness: models running and restored, the Kafka cluster answering).
 *
 * <p>May use: {@code service}, {@code spec}, {@code stream}. Nothing uses it.
 */
package io.streamfit.health;
