/**
 * The packaged application's entry point ({@link io.streamfit.cli.Main}: the service, or the
 * {@code train} command without starting Quarkus) and {@link io.streamfit.cli.TrainCommand}, which
 * replays a recorded stream from a file through the service's training path and writes the result
 * as a snapshot, with its line reader and pass totals.
 *
 * <p>May use: {@code data}, {@code files}, {@code nn}, {@code snapshot}, {@code spec},
 * {@code train}. Not {@code stream} or {@code service}: the command touches no Kafka.
 */
package io.streamfit.cli;
