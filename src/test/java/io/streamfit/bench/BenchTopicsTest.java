package io.streamfit.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamfit.data.Examples;
import io.streamfit.data.RecordDecoder;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.EmbeddedKafka;
import io.streamfit.stream.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The end-to-end benchmark's two topics carry the same examples in the same order. */
class BenchTopicsTest {
    @TempDir
    Path dir;

    @Test
    void jsonTopicHoldsTheLinesBytewisePassAfterPassAndBinaryTopicTheSameFloat32Examples() throws Exception {
        ModelSpec spec = SpecParser.parse(EndToEndBench.SPEC.formatted("t", "t.json", 64));
        StringBuilder line0 = new StringBuilder("{\"x\": [");
        StringBuilder line1 = new StringBuilder("{\"x\": [");
        for (int i = 0; i < 784; i++) {
            line0.append(i == 0 ? "" : ", ").append(i % 5 == 0 ? "0.0" : "0.0039");
            line1.append(i == 0 ? "" : ", ").append(i % 3 == 0 ? "1.0" : "0.3412");
        }
        List<String> lines = List.of(line0 + "], \"y\": 9}", line1 + "], \"y\": 0}");
        Path jsonl = Files.write(dir.resolve("d.jsonl"), lines);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
            assertEquals(4, BenchTopics.fill(kafka.bootstrapServers(), spec, jsonl, 2, "t.json", "t.binary"));
            List<ConsumerRecord<byte[], byte[]>> json = TestKafka.readCommitted(kafka.bootstrapServers(), "t.json");
            List<ConsumerRecord<byte[], byte[]>> binary = TestKafka.readCommitted(kafka.bootstrapServers(), "t.binary");
            assertEquals(4, json.size(), "two passes of two lines");
            assertEquals(4, binary.size());
            RecordDecoder decoder = new RecordDecoder(spec);
            for (int i = 0; i < 4; i++) {
                assertEquals(i, json.get(i).offset());
                assertEquals(i, binary.get(i).offset());
                assertArrayEquals(lines.get(i % 2).getBytes(StandardCharsets.UTF_8), json.get(i).value(),
                        "line " + i % 2 + " as written");
                assertEquals('S', binary.get(i).value()[0], "binary record " + i);
                Examples fromJson = decoder.decode(json.get(i).value());
                Examples fromBinary = decoder.decode(binary.get(i).value());
                assertArrayEquals(fromJson.x(), fromBinary.x(), "x of example " + i);
                assertArrayEquals(fromJson.y(), fromBinary.y(), "y of example " + i);
            }
        }
    }
}
