package io.streamfit.bench;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A ceiling for the end-to-end run: a plain Java consumer, configured as a training consumer is
 * ({@code read_committed}, 100 records per poll, byte arrays), draining a topic in this JVM and
 * doing nothing with the records. Whatever the service loses beyond this to its own work is what
 * decoding, batching and the hand-offs cost; what this costs is Kafka's client and the broker on
 * the same two cores. The CPU time this JVM and the broker used over the timed part says how
 * much of the machine the consumer side alone takes per record.
 */
final class ConsumerCeiling {
    private ConsumerCeiling() {}

    /**
     * Records/s and MB/s of values over the whole topic (one partition, from the start), and the
     * CPU microseconds per record of this JVM and of the broker ({@code brokerPid}).
     */
    static Map<String, Object> drain(String bootstrap, long brokerPid, String topic, long records) {
        Map<String, Object> cfg = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100));
        // Client settings to try, as the service would take them from kafka.*: -Dbench.consumer="k=v,k=v"
        for (String kv : System.getProperty("bench.consumer", "").split(",")) {
            if (kv.contains("=")) {
                cfg.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cfg, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long n = 0;
            long bytes = 0;
            long t0 = 0;
            double[] cpu0 = null;
            long self = ProcessHandle.current().pid();
            long warm = Math.min(5_000, records / 10); // timed after the first records, as the service's window is
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (n < records) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (n++ == warm) {
                        t0 = System.nanoTime();
                        cpu0 = new double[] {CpuTime.seconds(self), CpuTime.seconds(brokerPid)};
                        bytes = 0;
                    }
                    bytes += r.value().length;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "drained only " + n + " of " + records + " records of " + topic + " in 5 minutes");
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            double timed = n - warm;
            return Map.of("records_per_s", timed / s, "mb_per_s", bytes / s / 1e6,
                    "consumer_cpu_us_per_record", (CpuTime.seconds(self) - cpu0[0]) / timed * 1e6,
                    "broker_cpu_us_per_record", (CpuTime.seconds(brokerPid) - cpu0[1]) / timed * 1e6);
        }
    }
}
