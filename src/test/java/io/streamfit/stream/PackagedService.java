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
final class PackagedService {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private PackagedService() {}

    /** Starts the service on {@code port} with the specs in {@code modelsDir}, output to {@code log}. */
    static Process start(String bootstrap, Path modelsDir, int port, Path log, String... jvmArgs) throws IOException {
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
    static JsonNode status(int port, String model) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/models/" + model))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
