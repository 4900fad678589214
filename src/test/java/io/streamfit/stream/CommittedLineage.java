package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.LineageMetadata;
import io.streamfit.snapshot.Position;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.train.ModelState;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks on a model's committed snapshot lineage, shared by the tests that kill and move things. */
final class CommittedLineage {
    private CommittedLineage() {}

    /**
     * The model's snapshots as a {@code read_committed} reader sees them, asserting that their
     * versions are 1, 2, 3, ...: no gap, no repeat, in order.
     */
    static List<byte[]> committed(String bootstrap, String model) throws SnapshotFormatException {
        return committed(TestKafka.plain(bootstrap), model);
    }

    /** {@link #committed(String, String)} through a reader with the client settings {@code client} (address, security). */
    static List<byte[]> committed(Map<String, Object> client, String model) throws SnapshotFormatException {
        List<byte[]> lineage = TestKafka.readCommitted(client, "streamfit.snapshots").stream()
                .filter(r -> model.equals(new String(r.key(), StandardCharsets.UTF_8))).map(r -> r.value()).toList();
        for (int i = 0; i < lineage.size(); i++) {
            assertEquals(Long.toString(i + 1), SnapshotCodec.metadata(lineage.get(i)).get("version"),
                    model + ": committed versions contiguous, in order, none twice");
        }
        return lineage;
    }

    /**
     * For a model whose batch is exactly one record, on a topic with several partitions (where
     * the exact parameters depend on how polls interleave the partitions): between consecutive
     * committed snapshots the examples trained grow by exactly the records the positions passed,
     * no position moves back, and the last snapshot has consumed every record.
     */
    static void assertEveryRecordOnce(String model, List<byte[]> lineage, int partitions, long recordsPerPartition,
            int examplesPerRecord)
            throws SnapshotFormatException {
        long examples = 0;
        Map<Integer, Position> positions = Map.of();
        for (int i = 0; i < lineage.size(); i++) {
            Map<String, String> meta = SnapshotCodec.metadata(lineage.get(i));
            Map<Integer, Position> now = LineageMetadata.positions(meta.get("positions"));
            long advanced = 0;
            for (var e : now.entrySet()) {
                long before = positions.containsKey(e.getKey()) ? positions.get(e.getKey()).offset() : 0;
                assertEquals(0, e.getValue().skip(), model + ": one record per batch, so never inside a record");
                assertTrue(e.getValue().offset() >= before,
                        model + ": partition " + e.getKey() + " moved back at version " + (i + 1));
                advanced += e.getValue().offset() - before;
            }
            long seen = Long.parseLong(meta.get("examples_seen"));
            assertEquals(examples + examplesPerRecord * advanced, seen,
                    model + " version " + (i + 1) + ": examples trained = records passed x " + examplesPerRecord);
            examples = seen;
            positions = now;
        }
        Map<Integer, Position> all = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            all.put(p, new Position(recordsPerPartition, 0));
        }
        assertEquals(all, positions, model + ": every record of every partition consumed");
        assertEquals(examplesPerRecord * recordsPerPartition * partitions, examples, model + ": examples trained");
    }

    /** Parameters, optimizer state, generator and counters bitwise equal. */
    static void assertBitwise(ModelState reference, ModelState recovered) {
        assertEquals(reference.steps(), recovered.steps(), "steps");
        assertEquals(reference.examplesSeen(), recovered.examplesSeen(), "no example trained twice or skipped");
        assertArrayEquals(reference.network().params().toFloatVector(), recovered.network().params().toFloatVector(),
                "parameters bitwise equal to the uninterrupted run");
        for (String s : reference.optimizer().stateNames()) {
            assertArrayEquals(reference.optimizer().state(s), recovered.optimizer().state(s), "optimizer state " + s);
        }
        assertEquals(reference.rng().state(), recovered.rng().state(), "dropout's generator");
    }
}
