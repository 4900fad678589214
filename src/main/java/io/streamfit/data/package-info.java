/**
 * From a record's bytes to mini-batches: {@link io.streamfit.data.RecordDecoder} decodes and
 * validates a record value (JSON or binary) into {@link io.streamfit.data.Examples}, or rejects it
 * with a reason ({@link io.streamfit.data.RejectedRecordException});
 * {@link io.streamfit.data.DecodeAhead} decodes on a second thread; {@link io.streamfit.data.Batcher}
 * forms {@link io.streamfit.data.Batch}es deterministically by offset and tracks, per partition,
 * the {@link io.streamfit.data.Position} a snapshot may commit. {@link io.streamfit.data.Float32}
 * narrows numbers to the model's precision without turning finite values into infinity.
 *
 * <p>May use: {@code spec} (the task and widths records must match). No Kafka client and no other
 * service framework: a record here is its value's bytes.
 */
package io.streamfit.data;
