/**
 * Everything that talks to Kafka. One model's training thread is
 * {@link io.streamfit.stream.ModelRunner} (its life cycle, {@link io.streamfit.stream.RunnerPhase},
 * and what the service reads), which runs a {@link io.streamfit.stream.TrainingSession}: the
 * snapshot topic's exactly-once protocol in {@link io.streamfit.stream.SnapshotLineage} (with
 * {@link io.streamfit.stream.SnapshotTransactions} and the commit thread,
 * {@link io.streamfit.stream.SnapshotCommitter}), the input consumer, dead letters, the snapshot
 * schedule and early stopping's operator resumes, each in a class of its own;
 * {@link io.streamfit.stream.RunnerListener} is how the service's meters observe it. Besides:
 * {@link io.streamfit.stream.ModelOwnership}, which instance trains which model;
 * {@link io.streamfit.stream.SnapshotStore}, reads of the snapshot topic; the client factory and
 * the embedded broker of demo mode and the tests.
 *
 * <p>May use: {@code data}, {@code files}, {@code nn}, {@code snapshot}, {@code spec},
 * {@code train}; neither Quarkus nor Micrometer.
 */
package io.streamfit.stream;
