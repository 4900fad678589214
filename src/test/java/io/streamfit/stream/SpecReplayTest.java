package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 6, through a real broker: an instance assigned a partition of the models topic
 * acts on each id's newest record only, so a deleted model (spec, then tombstone) is not started
 * and stopped again on every rebalance and a re-created one starts from its newest spec; records
 * that arrive afterwards are handed on one by one, in order.
 */
class SpecReplayTest {
    private static byte[] b(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aNewOwnerSeesOnlyTheNewestRecordOfEachIdThenEveryLiveRecord() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
            KafkaClients clients = new KafkaClients(Map.of("bootstrap.servers", kafka.bootstrapServers()));
            clients.createTopicIfAbsent(new NewTopic("models", Optional.of(1), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
            List<String> seen = new CopyOnWriteArrayList<>();
            ModelOwnership.Listener listener = new ModelOwnership.Listener() {
                public void acquired(Set<Integer> partitions) {}

                public void released(Set<Integer> partitions, boolean lost) {}

                public void specRecord(int partition, String modelId, byte[] spec) {
                    seen.add(modelId + "=" + (spec == null ? "tombstone" : new String(spec, StandardCharsets.UTF_8)));
                }
            };
            ModelOwnership writer = new ModelOwnership(clients, "models", "g-writer", "w", 1, listener);
            writer.publishSpec("deleted", b("v1"));
            writer.removeSpec("deleted");
            writer.publishSpec("recreated", b("old"));
            writer.removeSpec("recreated");
            writer.publishSpec("recreated", b("new"));
            writer.publishSpec("plain", b("only"));

            ModelOwnership owner = new ModelOwnership(clients, "models", "g-owner", "streamfit-owner-x@:1", 1, listener);
            Thread t = new Thread(owner, "owner");
            t.start();
            try {
                TestKafka.await("the replay", Duration.ofSeconds(60), () -> seen.size() >= 3);
                Thread.sleep(1500); // nothing else may follow
                assertEquals(Set.of("deleted=tombstone", "recreated=new", "plain=only"), Set.copyOf(seen),
                        "newest per id: " + seen);
                assertEquals(3, seen.size(), "one record per id: " + seen);

                writer.publishSpec("plain", b("changed"));
                writer.removeSpec("plain");
                TestKafka.await("live records", Duration.ofSeconds(30), () -> seen.size() >= 5);
                assertEquals(List.of("plain=changed", "plain=tombstone"), seen.subList(3, 5), "live records in order: " + seen);
            } finally {
                owner.close();
                t.join(20_000);
                writer.close();
                writer.run(); // closing already: returns at once, closing its producer
            }
        }
    }
}
