package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.fail;

import io.streamfit.data.RecordDecoder;
import io.streamfit.demo.SyntheticProblem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Small helpers for tests against a real broker. */
public final class TestKafka {
    private TestKafka() {}

    public static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
        createTopic(plain(bootstrap), topic, partitions);
    }

    /** The client settings of a broker without security: its address. */
    public static Map<String, Object> plain(String bootstrap) {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    }

    /** Creates a topic through a client with the settings {@code client} (address, security). */
    public static void createTopic(Map<String, Object> client, String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    public static void produce(String bootstrap, String topic, List<byte[]> values) {
        produce(bootstrap, topic, values, 1);
    }

    /** Record {@code i} goes to partition {@code i % partitions}. */
    public static void produce(String bootstrap, String topic, List<byte[]> values, int partitions) {
        produce(plain(bootstrap), topic, values, partitions);
    }

    /** Record {@code i} goes to partition {@code i % partitions}, through a producer with the settings {@code client}. */
    public static void produce(Map<String, Object> client, String topic, List<byte[]> values, int partitions) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(with(client, Map.of(
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20)),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < values.size(); i++) {
                p.send(new ProducerRecord<>(topic, i % partitions, null, values.get(i)));
            }
            p.flush();
        }
    }

    /** Every committed record of a topic, as a read_committed consumer sees them. */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrap, String topic) {
        return readCommitted(plain(bootstrap), topic);
    }

    /** Every committed record of a topic, read through a consumer with the settings {@code client}. */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(Map<String, Object> client, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(with(client, Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 128 << 20,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 128 << 20)),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    fail("timed out reading " + topic + " to its end " + end);
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    private static Map<String, Object> with(Map<String, Object> client, Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(client);
        all.putAll(settings);
        return all;
    }

    public static Map<TopicPartition, OffsetAndMetadata> committed(String bootstrap, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        }
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        await(what, timeout, Duration.ofMillis(50), condition);
    }

    /** Checks {@code condition} every {@code interval} (for conditions that cost HTTP calls to other processes). */
    public static void await(String what, Duration timeout, Duration interval, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(interval.toMillis());
        }
    }

    /**
     * {@code records} binary records of 20 examples each from a fixed synthetic problem (8 inputs,
     * 4 classes), the stream the API tests feed their models.
     */
    public static List<byte[]> synthetic(int records, long seed) {
        SyntheticProblem p = new SyntheticProblem(8, 4, 3, seed);
        List<byte[]> out = new ArrayList<>();
        float[] x = new float[20 * 8];
        int[] y = new int[20];
        for (int i = 0; i < records; i++) {
            p.next(20, x, y);
            out.add(RecordDecoder.encodeBinary(20, 8, x, y, null, 1));
        }
        return out;
    }
}
