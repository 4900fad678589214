package io.streamfit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a process from Linux's {@code /proc/<pid>/stat} (user + system, all threads), so the
 * end-to-end benchmark can say how many of the machine's cores each party used in a window: on two
 * cores shared by the broker, the consumer, the decoder and the step, that budget is what decides
 * how close end to end can come to the step alone.
 */
final class CpuTime {
    /** {@code sysconf(_SC_CLK_TCK)}: 100 on every Linux this project runs on (x86-64 and arm64). */
    private static final double TICKS_PER_SECOND = 100.0;

    private CpuTime() {}

    /** Seconds of CPU the process has used so far, or NaN when it cannot be read (not Linux, gone). */
    static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name, which is in parentheses and may contain spaces:
            // state(3) ... utime(14) stime(15), so utime is the 12th field after ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
