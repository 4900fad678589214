package io.streamfit.stream;

import java.util.function.Supplier;

/**
 * The snapshots a model's status endpoint serves: the last committed one and, with early
 * stopping, the last committed one tagged best, with its version; with drift tagging, the last
 * committed pre-drift snapshot. Written by
 * {@link SnapshotLineage} on the training thread as commits are booked and lineages restored;
 * read from any thread.
 */
final class ServedSnapshots {
    private volatile byte[] last;
    private volatile long lastVersion;
    private volatile byte[] best;
    private volatile long bestVersion = -1;
    private volatile byte[] preDrift;
    private volatile boolean preDriftRead;

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

    /**
     * The last committed pre-drift snapshot: tagged by this instance, else read from the topic once
     * with {@code read} (a restarted service; null when there is none).
     */
    synchronized byte[] preDrift(Supplier<byte[]> read) {
        if (!preDriftRead) {
            preDrift = read.get(); // under the lock: a tag committed meanwhile waits and then wins
            preDriftRead = true;
        }
        return preDrift;
    }

    /** A pre-drift snapshot was committed. */
    synchronized void preDrift(byte[] bytes) {
        preDrift = bytes;
        preDriftRead = true;
    }

    /** A snapshot committed, or read back as the newest of the lineage (null: there is none), and its version. */
    void committed(byte[] bytes, long version) {
        last = bytes;
        lastVersion = bytes == null ? 0 : version;
    }

    /** The version of {@link #last()} (0 before the first). */
    long lastVersion() {
        return lastVersion;
    }

    /** The best snapshot is now {@code bytes} at {@code version}, or none ({@code bytes} null). */
    void best(byte[] bytes, long version) {
        best = bytes;
        bestVersion = bytes == null ? -1 : version;
    }
}
