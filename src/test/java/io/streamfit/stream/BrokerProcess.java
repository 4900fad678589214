package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;

/**
 * A real Apache Kafka broker (KRaft, combined broker and controller) in its own JVM, on fixed
 * ports with a kept data directory, so a test can stop it (SIGTERM or SIGKILL) and start it again
 * at the same address with the same topics, offsets and transactions: what a broker restart
 * looks like to clients. Runs {@code kafka.Kafka} from the test class path. Public for
 * {@code io.streamfit.bench.EndToEndBench}, which runs the same broker.
 */
public final class BrokerProcess implements AutoCloseable {
    private final Path dir;
    /** The PLAINTEXT listener (the broker's own health probe). */
    private final int port;
    /** Where clients connect: {@link #port}, or the SASL_SSL listener. */
    private final int clientPort;
    private Process process;
    private int starts;

    private BrokerProcess(Path dir, int port, int clientPort) {
        this.dir = dir;
        this.port = port;
        this.clientPort = clientPort;
    }

    /** Writes the configuration into {@code dir} (emptied first) and formats the storage. */
    public static BrokerProcess format(Path dir) throws Exception {
        return format(dir, null);
    }

    /**
     * A broker whose clients must use SASL_SSL: a {@code SASL_SSL} listener on 127.0.0.1 with
     * SCRAM-SHA-512 and the TLS identity of {@code certs}, and one SCRAM user ({@code user},
     * {@code password}) created when the storage is formatted. Its controller and inter-broker
     * listeners stay PLAINTEXT on loopback (the broker talks to itself; this is not the path under
     * test). {@link #bootstrapServers()} is the SASL_SSL address.
     */
    static BrokerProcess formatSaslSsl(Path dir, TestCertificates certs, String user, String password) throws Exception {
        return format(dir, new Scram(certs, user, password));
    }

    /** What a SASL_SSL broker needs besides the plain configuration. */
    private record Scram(TestCertificates certs, String user, String password) {}

    private static BrokerProcess format(Path dir, Scram scram) throws Exception {
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(dir);
        int port = PackagedService.freePort();
        int controller = PackagedService.freePort();
        int secure = scram == null ? -1 : PackagedService.freePort();
        List<String> props = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "controller.listener.names=CONTROLLER",
                "log.dirs=" + dir.resolve("data").toAbsolutePath(),
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=4",
                "group.initial.rebalance.delay.ms=0",
                "message.max.bytes=104857600"));
        if (scram == null) {
            props.addAll(List.of(
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"));
        } else {
            props.addAll(List.of(
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller + ",SASL_SSL://127.0.0.1:"
                            + secure,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",SASL_SSL://127.0.0.1:" + secure,
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL",
                    "sasl.enabled.mechanisms=SCRAM-SHA-512",
                    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
                    "listener.name.sasl_ssl.ssl.keystore.location=" + scram.certs().brokerKeystore(),
                    "listener.name.sasl_ssl.ssl.keystore.password=" + scram.certs().password(),
                    "listener.name.sasl_ssl.ssl.keystore.type=PKCS12"));
        }
        props.add("");
        Files.writeString(dir.resolve("server.properties"), String.join("\n", props));
        // Kafka's own generator: an id made from any UUID starts with '-' one time in 64, which the
        // storage tool's argument parser reads as an option ("--cluster-id: expected one argument").
        String clusterId = Uuid.randomUuid().toString();
        List<String> args = new ArrayList<>(
                List.of("format", "-t", clusterId, "-c", dir.resolve("server.properties").toString()));
        if (scram != null) {
            args.addAll(List.of("--add-scram", "SCRAM-SHA-512=[name=" + scram.user() + ",password=" + scram.password() + "]"));
        }
        Process format = java("kafka.tools.StorageTool", args.toArray(String[]::new))
                .redirectOutput(dir.resolve("format.log").toFile()).start();
        assertTrue(format.waitFor(60, TimeUnit.SECONDS) && format.exitValue() == 0,
                "storage formatted: see " + dir.resolve("format.log"));
        return new BrokerProcess(dir, port, scram == null ? port : secure);
    }

    private static ProcessBuilder java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of("java", "-Xmx512m",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    /** Where clients connect (the SASL_SSL listener of a {@link #formatSaslSsl} broker). */
    public String bootstrapServers() {
        return "127.0.0.1:" + clientPort;
    }

    /** The running broker JVM's process id (for its CPU time in the benchmarks). */
    public long pid() {
        assertTrue(process != null && process.isAlive(), "broker running");
        return process.pid();
    }

    /** Starts the broker and waits until it answers a metadata request. */
    public void start() throws Exception {
        assertTrue(process == null || !process.isAlive(), "already running");
        process = java("kafka.Kafka", dir.resolve("server.properties").toString())
                .redirectOutput(dir.resolve("broker-" + (starts++) + ".log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            assertTrue(process.isAlive(), "broker exited: see " + dir);
            assertTrue(System.nanoTime() < deadline, "broker up within 90 s");
            if (listening()) {
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + port))) {
                    admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    // still starting
                }
            }
            Thread.sleep(200);
        }
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the broker: SIGTERM (a controlled shutdown) or SIGKILL (a crash). */
    public void stop(boolean kill) throws InterruptedException {
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "broker stopped");
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            stop(true);
        }
    }
}
