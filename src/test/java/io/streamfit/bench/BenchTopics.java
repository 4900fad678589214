package io.streamfit.bench;

import io.streamfit.data.Examples;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.stream.TestKafka;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Fills the end-to-end benchmark's two one-partition topics from a JSON lines file: line {@code i}
 * becomes offset {@code i} of the JSON topic byte for byte (as a Python producer wrote it), and
 * the same example, decoded by the service's own {@link RecordDecoder}, offset {@code i} of the
 * binary topic ({@link RecordDecoder#encodeBinary}). So both topics carry exactly the same
 * float32 examples in the same order, and the {@code train} command reads the same file. With
 * {@code passes > 1} the file is produced that many times over (line {@code i} of pass {@code p} is
 * offset {@code p * lines + i}), as a stream that keeps coming, so a run can be measured after its
 * warm-up (JIT compilation, first allocations) as JMH measures the step.
 */
final class BenchTopics {
    private BenchTopics() {}

    /** Creates both topics and produces every line of {@code jsonl} {@code passes} times; returns the records per topic. */
    static long fill(String bootstrap, ModelSpec spec, Path jsonl, int passes, String jsonTopic, String binaryTopic)
            throws Exception {
        if (passes < 1) {
            throw new IllegalArgumentException("passes must be at least 1, was " + passes);
        }
        TestKafka.createTopic(bootstrap, jsonTopic, 1);
        TestKafka.createTopic(bootstrap, binaryTopic, 1);
        RecordDecoder decoder = new RecordDecoder(spec);
        long n = 0;
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int pass = 0; pass < passes; pass++) {
                try (BufferedReader in = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        byte[] json = line.getBytes(StandardCharsets.UTF_8);
                        p.send(new ProducerRecord<>(jsonTopic, 0, null, json));
                        p.send(new ProducerRecord<>(binaryTopic, 0, null, binary(decoder, json, n)));
                        n++;
                    }
                }
            }
            p.flush();
        }
        return n;
    }

    private static byte[] binary(RecordDecoder decoder, byte[] json, long line) throws RejectedRecordException {
        Examples e = decoder.decode(json);
        if (e.count() != 1) {
            throw new IllegalArgumentException("line " + (line + 1) + ": expected one example, got " + e.count());
        }
        return RecordDecoder.encodeBinary(1, e.width(), e.x(), new int[] {(int) e.y()[0]}, null, 1);
    }
}
