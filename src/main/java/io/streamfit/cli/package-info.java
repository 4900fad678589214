/**
 * The packaged application's entry point ({@link io.streamfit.cli.Main}: the service, or a
 * command without starting Quarkus); {@link io.streamfit.cli.TrainCommand}, which replays a
 * recorded stream from a file through the service's training path and writes the result as a
 * snapshot, with its line reader and pass totals; and {@link io.streamfit.cli.LandscapeCommand},
 * the loss landscape and sharpness of a trained model on rows of a file.
 *
 * <p>May use: {@code data}, {@code files}, {@code landscape}, {@code nn}, {@code search},
 * {@code snapshot}, {@code spec}, {@code train}. Not {@code stream} or {@code service}: the
 * commands touch no Kafka.
 */
package io.streamfit.cli;
