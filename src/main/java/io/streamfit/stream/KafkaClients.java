package io.streamfit.stream;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Builds the Kafka clients streamfit uses, from one base configuration: the bootstrap servers
 * plus whatever else the user set under {@code kafka.*} (security, SASL credentials, client
 * rack...). Each factory method fixes the settings its guarantees rest on. Not final: fault
 * injection tests override the producer factory.
 */
public class KafkaClients {
    private final Map<String, Object> base;

    public KafkaClients(Map<String, Object> base) {
        this.base = Map.copyOf(base);
    }

    public String bootstrapServers() {
        return String.valueOf(base.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    }

    private Map<String, Object> with(Map<String, Object> extra) {
        Map<String, Object> m = new HashMap<>(base);
        m.putAll(extra);
        return m;
    }

    /**
     * The training consumers' {@code max.poll.interval.ms}: the user's
     * {@code kafka.max.poll.interval.ms}, else Kafka's default of five minutes.
     */
    public long maxPollIntervalMs() {
        Object v = base.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        return v == null ? 300_000 : Long.parseLong(v.toString().trim());
    }

    public Admin admin() {
        return Admin.create(with(Map.of()));
    }

    /**
     * Creates a topic unless it exists. Returns true if this call created it.
     *
     * @throws KafkaException for any other failure (authorization, invalid config, ...)
     */
    public boolean createTopicIfAbsent(NewTopic topic) throws InterruptedException {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(topic)).all().get();
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw new KafkaException("cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * The consumer of one training loop: reads only committed records, never commits on its own
     * (offsets are committed inside the snapshot transaction), cooperative-sticky assignment.
     */
    public KafkaConsumer<byte[], byte[]> trainingConsumer(String groupId, String clientId) {
        Map<String, Object> cfg = groupMember(groupId, clientId);
        // Records may hold up to 65,536 examples each: keep polls small enough to be trained
        // well within max.poll.interval.ms and the transaction timeout.
        cfg.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        return new KafkaConsumer<>(cfg, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The consumer through which instances share out the models ({@link ModelOwnership}):
     * cooperative-sticky, so a partition moves only after its old owner gave it up, and it never
     * commits offsets (every assignment re-reads its partitions from the start).
     */
    public KafkaConsumer<String, byte[]> ownershipConsumer(String groupId, String clientId) {
        return new KafkaConsumer<>(groupMember(groupId, clientId), new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * A group member that reads committed records only, commits nothing by itself (from the
     * start when the group has no offsets) and rebalances cooperatively: revoked partitions are
     * given up before anyone else is assigned them.
     */
    private Map<String, Object> groupMember(String groupId, String clientId) {
        return with(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName()));
    }

    /** Idempotent, transactional producer; initTransactions() fences any older instance with the same id. */
    public Producer<byte[], byte[]> transactionalProducer(String transactionalId, int maxRequestBytes) {
        return new KafkaProducer<>(with(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.CLIENT_ID_CONFIG, transactionalId,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestBytes,
                ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(33_554_432L, 2L * maxRequestBytes),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none")),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Reads a topic keyed by strings (snapshots, specs): committed records only, from the beginning, no group. */
    public KafkaConsumer<String, byte[]> committedReader(int maxBytes) {
        return new KafkaConsumer<>(with(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxBytes,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, maxBytes)),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Reads partitions of a string-keyed topic from the beginning up to their end as of now
     * (committed records only), handing each record to {@code each}; {@code partition} null
     * means all of them. A topic without partitions is read as empty.
     *
     * @throws org.apache.kafka.common.errors.TimeoutException if that takes longer than {@code timeout}
     */
    public void readToEnd(String topic, Integer partition, int maxBytes, Duration timeout,
            Consumer<ConsumerRecord<String, byte[]>> each) {
        try (KafkaConsumer<String, byte[]> c = committedReader(maxBytes)) {
            List<TopicPartition> parts;
            if (partition != null) {
                parts = List.of(new TopicPartition(topic, partition));
            } else {
                List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    return;
                }
                parts = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading " + topic + " took longer than " + timeout);
                }
                c.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }

    /** A plain idempotent producer (demo data). */
    public KafkaProducer<byte[], byte[]> plainProducer() {
        return new KafkaProducer<>(with(Map.of(
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5)),
                new ByteArraySerializer(), new ByteArraySerializer());
    }
}
