/**
 * One model's training: {@link io.streamfit.train.ModelState}, everything a model is (spec,
 * network, optimizer, schedule, RNG, prequential window, counters; a snapshot is exactly this, next
 * to its lineage) and its step on a {@link io.streamfit.train.Batch};
 * {@link io.streamfit.train.ModelFactory}, which builds the network, loss, optimizer and schedule a
 * spec names; {@link io.streamfit.train.TrainingListener}, how metrics observe steps; the divergence
 * policy, early stopping, augmentation, the prequential window, and the native BLAS settings.
 *
 * <p>May use: {@code nn}, {@code optim}, {@code schedule}, {@code spec}; no service framework and
 * nothing of records, streams or snapshots.
 */
package io.streamfit.train;
