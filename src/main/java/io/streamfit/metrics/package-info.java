/**
 * What streamfit exports to Micrometer: {@link io.streamfit.metrics.ModelMeters}, the meters of one
 * model (tagged {@code model=<id>}) fed from step results and early stopping, and
 * {@link io.streamfit.metrics.MetricNames}, every metric with the Prometheus name dashboards and
 * alerts use.
 *
 * <p>May use: {@code train}. Used by {@code service}; {@code stream}'s ModelRunner updates the
 * meters too today, an upward edge listed in {@code ArchitectureTest.KNOWN_UPWARD_EDGES} until
 * issue 14 removes it.
 */
package io.streamfit.metrics;
