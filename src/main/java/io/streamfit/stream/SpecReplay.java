package io.streamfit.stream;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Replaying a newly assigned partition of the models topic: until the consumer reached the end
 * the partition had when it was assigned, records are collected, newest per model id, and handed
 * on only then. Guarantee: an assignment acts on each id's newest record alone, so a model that
 * was deleted (spec, then tombstone) is not started and stopped again on every rebalance, and a
 * model re-created after a delete starts from its newest spec. Not thread-safe: used on the
 * ownership thread only.
 */
final class SpecReplay {
    private final Map<Integer, Long> ends = new HashMap<>();
    private final Map<Integer, LinkedHashMap<String, byte[]>> pending = new HashMap<>();

    /** Partitions just assigned, with their end offsets; empty ones need no replay. */
    void assigned(Map<Integer, Long> endOffsets) {
        endOffsets.forEach((partition, end) -> {
            if (end > 0) {
                ends.put(partition, end);
                pending.put(partition, new LinkedHashMap<>());
            }
        });
    }

    void released(Set<Integer> partitions) {
        partitions.forEach(p -> {
            ends.remove(p);
            pending.remove(p);
        });
    }

    /** Keeps the record if its partition is still being replayed (true), else the caller hands it on now. */
    boolean hold(int partition, String modelId, byte[] value) {
        LinkedHashMap<String, byte[]> held = pending.get(partition);
        if (held == null) {
            return false;
        }
        held.remove(modelId);
        held.put(modelId, value);
        return true;
    }

    /** The held records of every partition whose consumer position reached its end, which stop being replayed. */
    Map<Integer, LinkedHashMap<String, byte[]>> caughtUp(ToLongFunction<Integer> position) {
        Map<Integer, LinkedHashMap<String, byte[]>> done = new HashMap<>();
        for (var e : Map.copyOf(ends).entrySet()) {
            if (position.applyAsLong(e.getKey()) >= e.getValue()) {
                done.put(e.getKey(), pending.remove(e.getKey()));
                ends.remove(e.getKey());
            }
        }
        return done;
    }
}
