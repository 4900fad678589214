package io.streamfit.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.Arrays;

/**
 * The packaged application's entry point: {@code java -jar quarkus-run.jar} runs the service;
 * {@code java -jar quarkus-run.jar train ...} runs the offline {@link TrainCommand} without
 * starting Quarkus at all (no HTTP server, no Kafka clients, no embedded broker).
 */
@QuarkusMain
public final class Main {
    private Main() {}

    public static void main(String... args) {
        if (args.length > 0 && args[0].equals("train")) {
            System.exit(TrainCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        Quarkus.run(args);
    }
}
