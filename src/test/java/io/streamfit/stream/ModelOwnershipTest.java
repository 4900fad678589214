package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class ModelOwnershipTest {
    @Test
    void aModelsPartitionIsWhereKafkasDefaultPartitionerPutsARecordKeyedByItsId() {
        // So a spec produced by any Kafka tool with the model id as key lands in the owner's partition.
        for (int partitions : new int[] {1, 4, 12, 31}) {
            for (int i = 0; i < 200; i++) {
                String id = "model-" + i;
                assertEquals(BuiltInPartitioner.partitionForKey(id.getBytes(StandardCharsets.UTF_8), partitions),
                        ModelOwnership.partitionOf(id, partitions), id + " of " + partitions);
            }
        }
    }

    @Test
    void aModelsTopicWithoutPartitionsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ModelOwnership(null, "t", "g", "c", 0, null));
    }
}
