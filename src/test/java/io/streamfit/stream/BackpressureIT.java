package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.data.RecordDecoder;
import io.streamfit.nn.SplitMix64;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Promise 10 of issue 5, measured: a producer more than 10x faster than training floods the
 * packaged service (heap capped at 256 MB) with a backlog of hundreds of megabytes. The backlog
 * stays in Kafka, as consumer lag: the service's live heap after a full GC (forced with
 * {@code jcmd GC.run}, read from {@code jvm_gc_live_data_size_bytes}) stays flat, and the model
 * keeps training.
 */
class BackpressureIT {
    private static final String SPEC = """
            id: flood
            topic: flood.examples
            input_width: 256
            task: {type: classification, classes: 10}
            layers: [{type: dense, units: 1024}, {type: relu}, {type: dense, units: 512}, {type: relu}, {type: dense, units: 10}]
            optimizer: {type: adam, lr: 0.001}
            batch_size: 32
            seed: 3
            snapshot: {every_steps: 0, every_seconds: 5}
            """;
    private static final int WIDTH = 256;
    private static final int PER_RECORD = 64; // 64 KB records
    private static final long BACKLOG_BYTES = 256L << 20;
    /** One poll (100 records of 64 KB), the consumer's fetch buffer and the decode-ahead bound: about 5-8 MB measured, twice that allowed. */
    private static final long MAX_GROWTH_BYTES = 16L << 20;

    /** The service's live heap after a full GC it is told to run now. */
    private static long liveHeapAfterGc(Process service, int port) throws Exception {
        Process jcmd = new ProcessBuilder("jcmd", Long.toString(service.pid()), "GC.run").redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(jcmd.waitFor(60, TimeUnit.SECONDS) && jcmd.exitValue() == 0, "jcmd GC.run: " + out);
        String metrics = PackagedService.body(port, "/q/metrics");
        assertTrue(metrics != null, "the service answers /q/metrics");
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_gc_live_data_size_bytes")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no jvm_gc_live_data_size_bytes in /q/metrics");
    }

    /** A gauge of the flood model in the service's /q/metrics. */
    private static double metric(int port, String name) {
        String metrics = PackagedService.body(port, "/q/metrics");
        if (metrics != null) {
            for (String line : metrics.split("\n")) {
                if (line.startsWith(name + "{") && line.contains("model=\"flood\"")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return -1;
    }

    /** The service's largest classes by live bytes (jcmd GC.class_histogram), for a failure message. */
    private static String histogram(Process service, int lines) throws Exception {
        Process jcmd = new ProcessBuilder("jcmd", Long.toString(service.pid()), "GC.class_histogram").redirectErrorStream(true)
                .start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(60, TimeUnit.SECONDS);
        return String.join("\n", out.lines().limit(lines).toList());
    }

    @Test
    void aTenTimesFasterProducerLeavesItsBacklogInKafkaNotInTheHeap() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "it-backpressure"));
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve("flood.yaml"), SPEC);
        SplitMix64 rng = new SplitMix64(5);
        List<byte[]> distinct = new ArrayList<>();
        for (int r = 0; r < 16; r++) {
            float[] x = new float[PER_RECORD * WIDTH];
            int[] y = new int[PER_RECORD];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rng.nextDouble() * 2 - 1);
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = (int) (rng.nextDouble() * 10);
            }
            distinct.add(RecordDecoder.encodeBinary(PER_RECORD, WIDTH, x, y, null, 1));
        }
        int recordBytes = distinct.get(0).length;
        int records = (int) (BACKLOG_BYTES / recordBytes);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
            TestKafka.createTopic(kafka.bootstrapServers(), "flood.examples", 1);
            int port = PackagedService.freePort();
            Process service = PackagedService.start(kafka.bootstrapServers(), models, port, dir.resolve("service.log"),
                    "-Xmx256m");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5,
                    ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 16; i++) {
                    producer.send(new ProducerRecord<>("flood.examples", distinct.get(i)));
                }
                producer.flush();
                // The baseline is taken once a snapshot is committed: the runner keeps the last
                // committed snapshot's bytes (to return to after a failed transaction), so they
                // belong to the steady state, not to the flood.
                TestKafka.await("a first snapshot committed", Duration.ofSeconds(120), Duration.ofMillis(200),
                        () -> metric(port, "streamfit_snapshot_version") >= 1);
                long baseline = liveHeapAfterGc(service, port);
                long snapshotBytes = (long) metric(port, "streamfit_snapshot_bytes");
                // What may be live besides the baseline: the consumer's fetch buffers, one poll of
                // 100 records and the decode-ahead bound (MAX_GROWTH_BYTES), and, when a sample
                // falls inside a snapshot commit, that snapshot twice (its encoded bytes and the
                // producer's copy in its record batch). None of it grows with the backlog.
                long allowed = MAX_GROWTH_BYTES + 2 * snapshotBytes;

                long trainedBefore = PackagedService.examplesSeen(port, "flood");
                long t0 = System.nanoTime();
                for (int i = 0; i < records; i++) {
                    producer.send(new ProducerRecord<>("flood.examples", distinct.get(i % distinct.size())));
                }
                producer.flush();
                double produceSeconds = (System.nanoTime() - t0) / 1e9;
                List<Long> live = new ArrayList<>();
                String largest = "";
                for (int s = 0; s < 5; s++) {
                    Thread.sleep(3_000);
                    live.add(liveHeapAfterGc(service, port));
                    if (live.get(s) - baseline >= allowed && largest.isEmpty()) {
                        largest = histogram(service, 14);
                        System.out.println("BackpressureIT: live heap " + live.get(s) + " bytes; largest classes:\n" + largest);
                    }
                }
                double trainSeconds = (System.nanoTime() - t0) / 1e9;
                long trainedDuring = PackagedService.examplesSeen(port, "flood") - trainedBefore;
                JsonNode status = PackagedService.status(port, "flood");

                double produceRate = (double) records * PER_RECORD / produceSeconds;
                double trainRate = trainedDuring / trainSeconds;
                long peak = live.stream().mapToLong(Long::longValue).max().orElseThrow();
                System.out.printf(
                        "BackpressureIT: produced %d MB (%d examples) at %.0f examples/s, trained %.0f examples/s (%.0fx slower);"
                                + " live heap after GC %.1f MB before the flood, %s MB during it (allowed: +%.1f MB, snapshots of %.1f MB);"
                                + " lag %d records%n",
                        (long) records * recordBytes >> 20, (long) records * PER_RECORD, produceRate, trainRate,
                        produceRate / trainRate,
                        baseline / 1048576.0, live.stream().map(v -> String.format("%.1f", v / 1048576.0)).toList(),
                        allowed / 1048576.0, snapshotBytes / 1048576.0, status.path("consumer_lag").asLong());

                assertTrue(produceRate >= 10 * trainRate, "the producer is at least 10x faster than training: "
                        + produceRate + " vs " + trainRate + " examples/s");
                assertTrue(trainedDuring > 0, "training went on during the flood");
                assertEquals("running", status.path("phase").asText());
                assertTrue(status.path("consumer_lag").asLong() * recordBytes > 4 * MAX_GROWTH_BYTES,
                        "the backlog is in Kafka: lag " + status.path("consumer_lag").asLong() + " records");
                assertTrue(peak - baseline < allowed,
                        "live heap bounded: " + baseline + " -> " + live + " (allowed growth " + allowed
                                + " bytes); largest classes:\n" + largest);
                // A snapshot in flight can inflate any one sample; the lower of two samples 3 s apart
                // is the level without it (a commit takes well under 3 s).
                long early = Math.min(live.get(0), live.get(1)), late = Math.min(live.get(3), live.get(4));
                assertTrue(late - early < 8L << 20, "no upward trend while the backlog lasts: " + live);
                assertTrue(service.isAlive(), "no OutOfMemoryError");
            } finally {
                service.destroy();
                service.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    static {
        // Fail fast with a clear message where the JDK's jcmd is missing.
        try {
            new ProcessBuilder("jcmd", "-h").redirectErrorStream(true).start().waitFor();
        } catch (IOException | InterruptedException e) {
            throw new ExceptionInInitializerError("BackpressureIT needs the JDK's jcmd on PATH: " + e);
        }
    }
}
