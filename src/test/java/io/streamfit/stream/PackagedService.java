package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The packaged service ({@code java -jar target/quarkus-app/quarkus-run.jar}) as a separate
 * process against a test's broker, for the tests that stop it with SIGTERM or kill it with
 * SIGKILL; and its status over HTTP.
 */
public final class PackagedService {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private PackagedService() {}

    /** Starts the service as users first meet it: the embedded broker, the demo stream and model. */
    public static Process startDemo(int port, Path log, String... jvmArgs) throws IOException {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertTrue(Files.exists(jar), "run after package: " + jar);
        List<String> command = new ArrayList<>(List.of("java", "-Xmx1g", "-Dquarkus.http.port=" + port));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-jar", jar.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Starts the service on {@code port} with the specs in {@code modelsDir}, output to {@code log}. */
    public static Process start(String bootstrap, Path modelsDir, int port, Path log, String... jvmArgs) throws IOException {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertTrue(Files.exists(jar), "run after package: " + jar);
        List<String> command = new ArrayList<>(List.of("java", "-Xmx1g", "-Dquarkus.http.port=" + port,
                "-Dkafka.bootstrap.servers=" + bootstrap, "-Dstreamfit.models-dir=" + modelsDir.toAbsolutePath(),
                "-Dstreamfit.demo.enabled=false"));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-jar", jar.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** {@code GET /models/<model>}, or null while the service does not answer it. */
    public static JsonNode status(int port, String model) {
        return get(port, "/models/" + model);
    }

    /** Examples the model has trained, or -1 while the service does not report it. */
    public static long examplesSeen(int port, String model) {
        JsonNode s = status(port, model);
        return s == null ? -1 : s.path("examples_seen").asLong(-1);
    }

    /** {@code GET <path>} as JSON, or null unless the service answers 200. */
    public static JsonNode get(int port, String path) {
        HttpResponse<String> r = send(port, path);
        try {
            return r != null && r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The body of {@code GET <path>} whatever its status, or null while the service does not answer. */
    public static String body(int port, String path) {
        HttpResponse<String> r = send(port, path);
        return r == null ? null : r.body();
    }

    /** The status code of {@code GET <path>}, or -1 while the service does not answer. */
    public static int code(int port, String path) {
        HttpResponse<String> r = send(port, path);
        return r == null ? -1 : r.statusCode();
    }

    /** {@code GET <path>}, or null while the service does not answer. */
    private static HttpResponse<String> send(int port, String path) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** {@code POST <path>} with a YAML body; returns the status code. */
    static int post(int port, String path, String yaml) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(yaml)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
