package io.streamfit.snapshot;

/** A snapshot that cannot be used: corrupt, truncated, of an unknown format, or not this model's. */
public final class SnapshotFormatException extends Exception {
    public SnapshotFormatException(String message) {
        super(message);
    }
}
