package io.streamfit.stream;

/**
 * The snapshots a model's status endpoint serves: the last committed one and, with early
 * stopping, the last committed one tagged best, with its version. Written by
 * {@link SnapshotLineage} on the training thread as commits are booked and lineages restored;
 * read from any thread.
 */
final class ServedSnapshots {
    private volatile byte[] last;
    private volatile byte[] best;
    private volatile long bestVersion = -1;

    /** The last committed snapshot (safetensors), or null before the first. */
    byte[] last() {
        return last;
    }

    /** The last committed snapshot tagged best by early stopping, or null. */
    byte[] best() {
        return best;
    }

    /** The version of {@link #best()}, or -1. */
    long bestVersion() {
        return bestVersion;
    }

    /** A snapshot committed, or read back as the newest of the lineage (null: there is none). */
    void committed(byte[] bytes) {
        last = bytes;
    }

    /** The best snapshot is now {@code bytes} at {@code version}, or none ({@code bytes} null). */
    void best(byte[] bytes, long version) {
        best = bytes;
        bestVersion = bytes == null ? -1 : version;
    }
}
