package io.streamfit.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.streamfit.train.BlasLibrary;
import java.util.Arrays;
import sun.misc.Signal;

/**
 * The packaged application's entry point: {@code java -jar quarkus-run.jar} runs the service;
 * {@code java -jar quarkus-run.jar train ...} runs the offline {@link TrainCommand} without
 * starting Quarkus at all (no HTTP server, no Kafka clients, no embedded broker), and
 * {@code landscape ...} the offline {@link LandscapeCommand} likewise.
 */
@QuarkusMain
public final class Main {
    private Main() {}

    public static void main(String... args) {
        try {
            BlasLibrary.select(); // before anything loads ND4J
        } catch (IllegalArgumentException e) {
            System.err.println("streamfit: " + e.getMessage());
            System.exit(2);
        }
        if (args.length > 0 && args[0].equals("train")) {
            System.exit(TrainCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("landscape")) {
            System.exit(LandscapeCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        exitZeroOnSigterm();
        Quarkus.run(args);
    }

    /**
     * SIGTERM is how Kubernetes (and systemd, and docker stop) asks for a stop. The JVM's default
     * handler runs the shutdown hooks and exits with 143 (128 + 15), which reads as a crash; this
     * one asks Quarkus for the same graceful shutdown (every model commits a final snapshot) and
     * exits 0. A second SIGTERM while stopping changes nothing; SIGKILL still kills.
     */
    private static void exitZeroOnSigterm() {
        try {
            Signal.handle(new Signal("TERM"), signal -> Quarkus.asyncExit(0));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // No TERM signal on this platform (or the JVM reserves it): the default behaviour stands.
        }
    }
}
