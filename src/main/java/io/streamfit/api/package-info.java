/**
 * The HTTP API (Quarkus REST): {@link io.streamfit.api.ModelsResource} ({@code /models}: list,
 * status, specs, prediction, snapshots) and {@link io.streamfit.api.ClusterResource}; the API-key
 * and relay-signature filters and the forwarding of a request to the instance that trains its
 * model; request body bounds; and RFC 9457 problem bodies for every error.
 *
 * <p>May use: {@code config}, {@code data}, {@code nn}, {@code optim}, {@code schedule},
 * {@code service}, {@code spec}, {@code stream}, {@code train} ({@code nn}, {@code optim} and
 * {@code schedule} only for what a model's status reads off its state). The top layer: nothing
 * uses it.
 */
package io.streamfit.api;
