/**
 * One model's training: {@link io.streamfit.train.ModelState}, everything a model is (spec,
 * network, optimizer, schedule, RNG, prequential window, counters, stream positions; a snapshot is
 * exactly this) and its step; {@link io.streamfit.train.ModelFactory}, which builds the network,
 * loss, optimizer and schedule a spec names; {@link io.streamfit.train.TrainingLoop}, the path from
 * records to steps shared by the service and the {@code train} command; early stopping,
 * augmentation, the prequential window, and the native BLAS settings.
 *
 * <p>May use: {@code nn}, {@code optim}, {@code schedule}, {@code spec}; no service framework.
 * Today also {@code data} (ModelState takes Batch and Position; TrainingLoop drives Batcher,
 * DecodeAhead and RejectedRecordException): edges that run up, allowed one by one in
 * {@code ArchitectureTest.KNOWN_UPWARD_EDGES} until issue 14 removes them.
 */
package io.streamfit.train;
