package io.streamfit.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The benchmark's per-process CPU time is read from /proc and moves with real work. */
class CpuTimeTest {
    @Test
    void ownCpuTimeGrowsWithWork() {
        long pid = ProcessHandle.current().pid();
        double before = CpuTime.seconds(pid);
        assertTrue(before > 0, "this JVM has used CPU already: " + before);
        long t = System.nanoTime();
        double sink = 0;
        while (System.nanoTime() - t < 300_000_000L) { // 0.3 s of work on this thread
            sink += Math.sqrt(sink + 1);
        }
        double after = CpuTime.seconds(pid);
        assertTrue(after - before >= 0.2,
                "0.3 s of busy work shows at least 0.2 s of CPU: " + (after - before) + " (" + sink + ")");
    }

    @Test
    void aProcessThatIsGoneReadsAsNaN() {
        assertTrue(Double.isNaN(CpuTime.seconds(Long.MAX_VALUE)));
    }
}
