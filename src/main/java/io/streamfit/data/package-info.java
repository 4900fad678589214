/**
 * From a record's bytes to mini-batches: {@link io.streamfit.data.RecordDecoder} decodes and
 * validates a record value (JSON or binary) into {@link io.streamfit.data.Examples}, or rejects it
 * with a reason ({@link io.streamfit.data.RejectedRecordException});
 * {@link io.streamfit.data.DecodeAhead} decodes on a second thread; {@link io.streamfit.data.Batcher}
 * forms {@link io.streamfit.train.Batch}es deterministically by offset and tracks, per partition,
 * the {@link io.streamfit.snapshot.Position} a snapshot may commit. {@link io.streamfit.data.Float32}
 * narrows numbers to the model's precision without turning finite values into infinity.
 * {@link io.streamfit.data.TrainingLoop} is the whole path from records to steps, shared by the
 * service and the {@code train} command.
 *
 * <p>May use: {@code spec} (the task and widths records must match), {@code train} (the batch and
 * the step), {@code snapshot} (positions). No Kafka client and no other service framework: a
 * record here is its value's bytes.
 */
package io.streamfit.data;
