package io.streamfit.snapshot;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a model's published lineage stands, stored in a snapshot next to the model state: the
 * snapshot's {@code version}; per input partition, the {@code positions} of the first example it
 * has not trained on (the offsets committed with it); and, per partition, the offset below which
 * records were {@code consumed} (read, trained or dead-lettered), so a restart does not dead-letter
 * them again. The model itself ({@code train.ModelState}) knows none of this: a model trained
 * offline has no lineage, and one restored from a snapshot is the same model whatever topic fed it.
 */
public record Lineage(long version, Map<Integer, Position> positions, Map<Integer, Long> consumed) {
    /** Before the first snapshot: version 0, no positions. */
    public static final Lineage START = new Lineage(0, Map.of(), Map.of());

    public Lineage {
        if (version < 0) {
            throw new IllegalArgumentException("version " + version + " < 0");
        }
        positions = Collections.unmodifiableMap(new TreeMap<>(positions));
        consumed = Collections.unmodifiableMap(new TreeMap<>(consumed));
    }

    /** The same positions, with a version of at least {@code atLeast} (the next one published must exceed every version used). */
    public Lineage versionAtLeast(long atLeast) {
        return atLeast <= version ? this : new Lineage(atLeast, positions, consumed);
    }
}
