package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Promise 5 of issue 5: the broker (its own JVM, fixed ports, kept data) is stopped and started
 * again twice while the packaged service trains, once with SIGTERM (a controlled shutdown) and
 * once with SIGKILL (a crash). The service keeps running, its readiness goes DOWN while the
 * broker is away and UP again by itself, every model resumes on its own, and promise 1 still
 * holds: the one-partition model ends bitwise where an uninterrupted run ends, and the
 * three-partition model's committed lineage holds every record exactly once.
 */
class BrokerRestartIT {
    private static final String SPEC = ReferenceRun.spec("restart", 3, 13);
    private static final String SPEC3 = ReferenceRun.spec("restart3", 3, 13);
    private static final int RECORDS = 600; // 3 examples each, one record = one batch
    private static final String READY = "/q/health/ready";

    @Test
    void theServiceRidesOutBrokerRestartsAndStillTrainsEveryRecordOnce() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "it-broker-restart"));
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve("restart.yaml"), SPEC);
        Files.writeString(models.resolve("restart3.yaml"), SPEC3);
        List<byte[]> records = ReferenceRun.records(RECORDS, 9);
        int chunk = RECORDS / 4;
        List<String> outages = new ArrayList<>();
        try (BrokerProcess broker = BrokerProcess.format(dir.resolve("broker"))) {
            broker.start();
            String bootstrap = broker.bootstrapServers();
            TestKafka.createTopic(bootstrap, "restart.examples", 1);
            TestKafka.createTopic(bootstrap, "restart3.examples", 3);
            int port = PackagedService.freePort();
            Process service = PackagedService.start(bootstrap, models, port, dir.resolve("service.log"));
            try {
                TestKafka.produce(bootstrap, "restart.examples", records.subList(0, chunk));
                TestKafka.produce(bootstrap, "restart3.examples", records.subList(0, chunk), 3);
                TestKafka.await("first chunk trained", Duration.ofSeconds(120), Duration.ofMillis(200),
                        () -> PackagedService.examplesSeen(port, "restart") == 3L * chunk
                                && PackagedService.examplesSeen(port, "restart3") == 3L * chunk);
                assertEquals(200, PackagedService.code(port, READY), "ready before the outage");

                for (int outage = 1; outage <= 2; outage++) {
                    boolean kill = outage == 2;
                    long before = PackagedService.examplesSeen(port, "restart");
                    TestKafka.produce(bootstrap, "restart.examples", records.subList(outage * chunk, (outage + 1) * chunk));
                    TestKafka.produce(bootstrap, "restart3.examples", records.subList(outage * chunk, (outage + 1) * chunk), 3);
                    // Stop the broker while the models train this chunk: mid-step or mid-commit.
                    TestKafka.await("training chunk " + outage, Duration.ofSeconds(60), Duration.ofMillis(20),
                            () -> PackagedService.examplesSeen(port, "restart") > before);
                    long stoppedAt = System.nanoTime();
                    broker.stop(kill);
                    TestKafka.await("readiness DOWN without the broker", Duration.ofSeconds(30), Duration.ofMillis(200),
                            () -> PackagedService.code(port, READY) == 503);
                    double down = (System.nanoTime() - stoppedAt) / 1e9;
                    Thread.sleep(5_000); // an outage of several seconds
                    assertTrue(service.isAlive(), "the service keeps running while the broker is away");
                    long restartedAt = System.nanoTime();
                    broker.start();
                    TestKafka.await("readiness UP again", Duration.ofSeconds(120), Duration.ofMillis(200),
                            () -> PackagedService.code(port, READY) == 200);
                    double up = (System.nanoTime() - restartedAt) / 1e9;
                    long expected = 3L * (outage + 1) * chunk;
                    TestKafka.await("chunk " + outage + " trained after the restart", Duration.ofSeconds(180),
                            Duration.ofMillis(200),
                            () -> PackagedService.examplesSeen(port, "restart") == expected
                                    && PackagedService.examplesSeen(port, "restart3") == expected);
                    double resumed = (System.nanoTime() - restartedAt) / 1e9;
                    outages.add(String.format(
                            "%s: DOWN %.1f s after the stop, UP %.1f s after the restart, chunk done %.1f s after it",
                            kill ? "SIGKILL" : "SIGTERM", down, up, resumed));
                }
                TestKafka.produce(bootstrap, "restart.examples", records.subList(3 * chunk, RECORDS));
                TestKafka.produce(bootstrap, "restart3.examples", records.subList(3 * chunk, RECORDS), 3);
                TestKafka.await("everything trained", Duration.ofSeconds(180), Duration.ofMillis(200),
                        () -> PackagedService.examplesSeen(port, "restart") == 3L * RECORDS
                                && PackagedService.examplesSeen(port, "restart3") == 3L * RECORDS);
                for (String m : List.of("restart", "restart3")) {
                    assertEquals("running", PackagedService.status(port, m).path("phase").asText(), m + " never stopped");
                }
            } finally {
                service.destroy();
                assertTrue(service.waitFor(30, TimeUnit.SECONDS));
            }
            assertEquals(0, service.exitValue(), "SIGTERM after the outages: exit 0");

            List<byte[]> lineage = CommittedLineage.committed(bootstrap, "restart");
            ModelSpec spec = SpecParser.parse(SPEC);
            CommittedLineage.assertBitwise(ReferenceRun.over(spec, records),
                    SnapshotCodec.decode(lineage.get(lineage.size() - 1), spec));
            List<byte[]> lineage3 = CommittedLineage.committed(bootstrap, "restart3");
            CommittedLineage.assertEveryRecordOnce("restart3", lineage3, 3, RECORDS / 3, 3);
            System.out.printf("BrokerRestartIT: %s; %d + %d committed versions checked%n", outages, lineage.size(),
                    lineage3.size());
        }
    }
}
