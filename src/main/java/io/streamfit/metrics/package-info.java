/**
 * What streamfit exports to Micrometer: {@link io.streamfit.metrics.ModelMeters}, the meters of one
 * model (tagged {@code model=<id>}), which observe its runner as a
 * {@link io.streamfit.stream.RunnerListener}, and {@link io.streamfit.metrics.MetricNames}, every
 * metric with the Prometheus name dashboards and alerts use.
 *
 * <p>May use: {@code stream} (the listener interface), {@code train}. Used by {@code service}.
 */
package io.streamfit.metrics;
