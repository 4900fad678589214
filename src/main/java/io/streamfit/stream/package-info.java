/**
 * Everything that talks to Kafka: {@link io.streamfit.stream.ModelRunner}, one model's training
 * loop (one consumer, one transactional producer, snapshot commits finished on a thread of their
 * own); {@link io.streamfit.stream.ModelOwnership}, which instance trains which model, from the
 * models topic; {@link io.streamfit.stream.SnapshotStore}, the snapshot topic; a model's
 * pretrained start; dead-letter headers; {@link io.streamfit.stream.KafkaClients}, the client
 * factory; and {@link io.streamfit.stream.EmbeddedKafka}, the broker of demo mode and the tests.
 *
 * <p>May use: {@code data}, {@code files}, {@code nn}, {@code snapshot}, {@code spec},
 * {@code train}; neither Quarkus nor Micrometer. Today also {@code metrics} (ModelRunner updates
 * ModelMeters): an edge that runs up, allowed in {@code ArchitectureTest.KNOWN_UPWARD_EDGES}
 * until issue 14 removes it.
 */
package io.streamfit.stream;
