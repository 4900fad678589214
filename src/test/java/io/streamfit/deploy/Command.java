package io.streamfit.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A tool run to completion (kubectl, node, promtool): its exit code and its output, stderr included. */
public record Command(int exit, String output) {

    /** Runs {@code command}, writing {@code stdin} (when not null) to its input; two minutes at most. */
    public static Command run(List<String> command, String stdin) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " finished");
        return new Command(p.exitValue(), out);
    }
}
