/**
 * The snapshot format: {@link io.streamfit.snapshot.Safetensors} (the file format, read and
 * write), {@link io.streamfit.snapshot.SnapshotCodec} (a model's whole training state as one
 * safetensors file under PyTorch's {@code state_dict} names, and back),
 * {@link io.streamfit.snapshot.StateDictLoader} (a model initialized from a PyTorch
 * {@code state_dict}) and the prequential window's metadata. Where snapshots are kept is
 * {@code stream}'s SnapshotStore.
 *
 * <p>May use: {@code nn}, {@code optim}, {@code schedule}, {@code spec}, {@code train}; no service
 * framework. Today also {@code data} (SnapshotCodec writes and reads Position): an edge that runs
 * up, allowed in {@code ArchitectureTest.KNOWN_UPWARD_EDGES} until issue 14 removes it.
 */
package io.streamfit.snapshot;
