package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM keeps its promise (exit 0 within {@code streamfit.shutdown-budget}, 20 s) while the
 * packaged service is flooded with spec bodies: 50 MB ones, which it must refuse by their length
 * without reading them, and ones just under the 1 MiB bound made of one long string, the costliest
 * text it still parses. A few threads, for a few seconds, on loopback only, with a bounded number
 * of requests.
 */
class ShutdownUnderLoadIT {
    private static final int THREADS = 6;
    /** Long-string specs each such thread has in flight at once. */
    private static final int IN_FLIGHT = 16;
    private static final Duration FLOOD = Duration.ofSeconds(6);
    private static final int MAX_REQUESTS_PER_THREAD = 400;
    private static final Duration BUDGET = Duration.ofSeconds(20);
    private static final long HUGE = 50_000_000L;

    /**
     * POST /models with a 50 MB spec (one long YAML string, SnakeYAML's quadratic case), written
     * until the service closes the connection; the status line of the answer.
     */
    private static String postHuge(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /models HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/yaml\r\nContent-Length: " + HUGE
                    + "\r\n\r\nid: \"").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'a');
            try {
                for (long written = 5; written < HUGE; written += chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, HUGE - written));
                }
                out.flush();
            } catch (IOException closedEarly) {
                // refused before the body was read: the service answered and closed the connection
            }
            String answer = new String(s.getInputStream().readNBytes(200), StandardCharsets.US_ASCII);
            return answer.isEmpty() ? "no answer"
                    : answer.substring(0, answer.indexOf('\r') < 0 ? answer.length() : answer.indexOf('\r'));
        }
    }

    /**
     * POST /models/validate declaring a 1,000,000-byte spec and sending it at about 4 KB a second
     * (a slow or stalled client), until the flood ends or the service closes the connection: it
     * holds a worker thread that reads the body.
     */
    private static String postSlowly(int port, long until) throws IOException, InterruptedException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /models/validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/yaml\r\nContent-Length: 1000000"
                            + "\r\n\r\n# ").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[400];
            Arrays.fill(chunk, (byte) 'b');
            while (System.nanoTime() < until) {
                out.write(chunk);
                out.flush();
                Thread.sleep(100);
            }
            return "slow: stopped sending";
        } catch (IOException e) {
            return "slow: closed by the service";
        }
    }

    @Test
    void sigtermKeepsItsBudgetWhileSpecBodiesFloodIn() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(null);
        Path dir = Files.createDirectories(Path.of("target", "it-shutdown-load"));
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.writeString(models.resolve("steady.yaml"), """
                id: steady
                topic: steady.examples
                input_width: 8
                task: {type: classification, classes: 4}
                layers: [{type: dense, units: 16}, {type: tanh}, {type: dense, units: 4}]
                optimizer: {type: sgd, lr: 0.05}
                batch_size: 10
                seed: 3
                snapshot: {every_steps: 7, every_seconds: 1}
                """);
        TestKafka.createTopic(kafka.bootstrapServers(), "steady.examples", 1);
        TestKafka.produce(kafka.bootstrapServers(), "steady.examples", ReferenceRun.records(50, 1));
        int port = PackagedService.freePort();
        Process service = PackagedService.start(kafka.bootstrapServers(), models, port, dir.resolve("service.log"));
        try {
            TestKafka.await("the service trained the steady model's 150 examples", Duration.ofSeconds(120),
                    () -> PackagedService.examplesSeen(port, "steady") == 150);
            // Just under the bound: one string of nearly 1 MiB, the parser's worst case.
            String longSpec = "id: \"" + "a".repeat(1_048_000) + "\"\n";
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            AtomicLong sent = new AtomicLong();
            AtomicLong refusedByLength = new AtomicLong();
            ConcurrentHashMap<String, Integer> answers = new ConcurrentHashMap<>();
            long floodEnd = System.nanoTime() + FLOOD.toNanos();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int kind = t % 3; // 0: 50 MB bodies, 1: 1 MiB long strings, 2: slow senders
                Thread th = new Thread(() -> {
                    for (int i = 0; i < MAX_REQUESTS_PER_THREAD && System.nanoTime() < floodEnd; i++) {
                        try {
                            if (kind == 2) {
                                answers.merge(postSlowly(port, floodEnd + Duration.ofSeconds(60).toNanos()), 1, Integer::sum);
                                break;
                            } else if (kind == 0) {
                                String status = postHuge(port);
                                answers.merge(status, 1, Integer::sum);
                                if (status.startsWith("HTTP/1.1 413")) {
                                    refusedByLength.incrementAndGet();
                                }
                            } else {
                                // Many at once: they queue for the worker threads, each parse about a second of CPU.
                                List<CompletableFuture<HttpResponse<Void>>> inFlight = new ArrayList<>();
                                for (int k = 0; k < IN_FLIGHT; k++) {
                                    inFlight.add(http.sendAsync(
                                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/models"))
                                                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/yaml")
                                                    .POST(HttpRequest.BodyPublishers.ofString(longSpec)).build(),
                                            HttpResponse.BodyHandlers.discarding()));
                                }
                                for (var f : inFlight) {
                                    try {
                                        answers.merge("HTTP " + f.get().statusCode(), 1, Integer::sum);
                                    } catch (ExecutionException e) {
                                        answers.merge("failed: " + e.getCause().getClass().getSimpleName(), 1, Integer::sum);
                                    }
                                }
                            }
                            sent.incrementAndGet();
                        } catch (IOException e) {
                            answers.merge("failed: " + e.getClass().getSimpleName(), 1, Integer::sum);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "flood-" + t);
                th.setDaemon(true);
                threads.add(th);
                th.start();
            }
            Thread.sleep(FLOOD.toMillis() / 2); // SIGTERM in the middle of the flood
            long termAt = System.nanoTime();
            service.destroy();
            boolean exited = service.waitFor(BUDGET.toSeconds() + 10, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - termAt) / 1e9;
            for (Thread th : threads) {
                th.join(15_000);
            }
            System.out.printf("ShutdownUnderLoadIT: %d requests (%d refused by length), answers %s; SIGTERM to exit %.1f s%n",
                    sent.get(), refusedByLength.get(), answers, seconds);
            assertTrue(refusedByLength.get() > 0, "50 MB bodies were refused by their length: " + answers);
            assertTrue(exited, "the service exited after SIGTERM");
            assertTrue(seconds < BUDGET.toSeconds(),
                    "SIGTERM to exit took " + seconds + " s, more than the " + BUDGET + " budget");
            assertEquals(0, service.exitValue(), "a graceful stop exits 0");
        } finally {
            service.destroyForcibly();
            kafka.close();
        }
    }
}
