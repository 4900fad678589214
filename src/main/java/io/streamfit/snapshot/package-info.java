/**
 * The snapshot format: {@link io.streamfit.snapshot.Safetensors} (the file format, read and
 * write), {@link io.streamfit.snapshot.SnapshotCodec} (a model's whole training state as one
 * safetensors file under PyTorch's {@code state_dict} names, and back),
 * {@link io.streamfit.snapshot.StateDictLoader} (a model initialized from a PyTorch
 * {@code state_dict}), the prequential window's metadata, and {@link io.streamfit.snapshot.Lineage}:
 * where a published lineage stands (version, and the {@link io.streamfit.snapshot.Position} of each
 * input partition), which a snapshot stores next to the model state. Where snapshots are kept is
 * {@code stream}'s SnapshotStore.
 *
 * <p>May use: {@code nn}, {@code optim}, {@code schedule}, {@code spec}, {@code train}; no service
 * framework.
 */
package io.streamfit.snapshot;
