package io.streamfit.stream;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * A model's lag as Kafka has it: per partition of its input topic, the log end offset minus the
 * offset its consumer group committed (with its last snapshot), or minus the log start when the
 * group committed nothing there yet. A running model measures its lag from its consumer's
 * positions ({@link ModelRunner#lag}); this is for a model that is not running (failed,
 * diverged, still restoring), whose backlog must keep showing as it grows.
 *
 * <p>Three Admin requests; call it off the training and scrape threads.
 */
public final class CommittedLag {
    private CommittedLag() {}

    /**
     * The records of {@code topic} that {@code group} has not committed.
     *
     * @throws ExecutionException if a request failed (unknown topic, authorization, ...)
     * @throws TimeoutException   if one took longer than {@code timeoutMs}
     */
    public static long of(Admin admin, String group, String topic, long timeoutMs)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(timeoutMs, TimeUnit.MILLISECONDS);
        TopicDescription description = admin.describeTopics(List.of(topic)).topicNameValues().get(topic)
                .get(timeoutMs, TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
        Map<TopicPartition, OffsetSpec> starts = new HashMap<>();
        for (TopicPartitionInfo p : description.partitions()) {
            TopicPartition tp = new TopicPartition(topic, p.partition());
            ends.put(tp, OffsetSpec.latest());
            if (committed.get(tp) == null) {
                starts.put(tp, OffsetSpec.earliest());
            }
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(ends).all()
                .get(timeoutMs, TimeUnit.MILLISECONDS);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> start = starts.isEmpty() ? Map.of()
                : admin.listOffsets(starts).all().get(timeoutMs, TimeUnit.MILLISECONDS);
        long lag = 0;
        for (TopicPartition tp : ends.keySet()) {
            OffsetAndMetadata c = committed.get(tp);
            long from = c != null ? c.offset() : start.get(tp).offset();
            lag += Math.max(0, end.get(tp).offset() - from);
        }
        return lag;
    }
}
