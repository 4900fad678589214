package io.streamfit.demo;

import io.streamfit.stream.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The demo topic with a retention bound. The demo producer writes without end (about 6 MB/s at
 * the default rate), so without a bound the broker's data directory grows until the disk is
 * full. Guarantee: the topic keeps at most {@code retentionBytes} (plus one segment, the unit in
 * which Kafka deletes) and at most {@code retention} of records; the bound is applied to a topic
 * that already exists too (a kept data directory from an earlier run).
 */
final class DemoTopic {
    /** Small enough for retention to act (it deletes whole segments), large enough to stay few. */
    static final long MAX_SEGMENT_BYTES = 64L << 20;

    private DemoTopic() {}

    /** The topic configs that bound it: retention by size and age, and a segment size that lets them act. */
    static Map<String, String> bounds(long retentionBytes, Duration retention) {
        long segment = Math.max(1L << 20, Math.min(MAX_SEGMENT_BYTES, retentionBytes / 4));
        return Map.of(TopicConfig.RETENTION_BYTES_CONFIG, Long.toString(retentionBytes),
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()),
                TopicConfig.SEGMENT_BYTES_CONFIG, Long.toString(segment));
    }

    /** Creates the topic with the bounds, or sets them on the topic that exists. */
    static void ensure(KafkaClients clients, String topic, long retentionBytes, Duration retention) throws InterruptedException {
        Map<String, String> bounds = bounds(retentionBytes, retention);
        if (clients.createTopicIfAbsent(new NewTopic(topic, 1, (short) 1).configs(bounds))) {
            return;
        }
        List<AlterConfigOp> ops = bounds.entrySet().stream()
                .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList();
        try (Admin admin = clients.admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops)).all().get(30,
                    TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("cannot bound the retention of demo topic " + topic + ": " + e.getMessage(), e);
        }
    }
}
