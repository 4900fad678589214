package io.streamfit.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ND4J's off-heap arrays show in {@code streamfit_native_memory_bytes}: in a fresh JVM
 * ({@link NativeMemoryProbe}), 64 MB of float32 written by ND4J raise it by at least 48 MB (a
 * margin for the allocator and the JVM's own moves), and a mapped file leaves it alone. JavaCPP's and ND4J's own counters stay near
 * zero meanwhile, which is why neither is the one exported. The heap's range is parsed from each
 * collector's {@code GC.heap_info}.
 */
class ProcessMetersTest {
    /** The heap's reserved range as G1, Serial and Parallel print it in GC.heap_info (JDK 17). */
    @Test
    void theHeapRangeIsReadFromHeapInfo() {
        assertArrayEquals(new long[] {0x687400000L, 0x800000000L}, ProcessMeters.parseHeapRange(
                " garbage-first heap   total 397312K, used 7649K [0x0000000687400000, 0x0000000800000000)\n"
                        + "  region size 4096K, 1 young (4096K), 0 survivors (0K)\n"
                        + " Metaspace       used 2913K, committed 3072K, reserved 1114112K\n"));
        assertArrayEquals(new long[] {0x687400000L, 0x800000000L}, ProcessMeters.parseHeapRange(
                " def new generation   total 116160K, used 8263K [0x0000000687400000, 0x000000068f200000, 0x0000000704d50000)\n"
                        + " tenured generation   total 258048K, used 0K [0x0000000704d50000, 0x0000000714950000, 0x0000000800000000)\n"
                        + " Metaspace       used 2901K, committed 3072K, reserved 1114112K\n"));
        assertArrayEquals(new long[] {0x687400000L, 0x800000000L}, ProcessMeters.parseHeapRange(
                " PSYoungGen      total 113152K, used 7782K [0x0000000782700000, 0x000000078a500000, 0x0000000800000000)\n"
                        + "  eden space 97280K, 8% used [0x0000000782700000,0x0000000782e99a98,0x0000000788600000)\n"
                        + " ParOldGen       total 258048K, used 0K [0x0000000687400000, 0x0000000697000000, 0x0000000782700000)\n"));
        assertNull(ProcessMeters.parseHeapRange(" ZHeap           used 8M, capacity 256M, max capacity 4096M\n"));
    }

    @Test
    void anNd4jArrayRaisesTheNativeFigure() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), NativeMemoryProbe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        String[] last = out.strip().lines().reduce((a, b) -> b).orElse("").split(" ");
        long before = Long.parseLong(last[0]);
        long after = Long.parseLong(last[1]);
        System.out.printf("ProcessMetersTest: native %d -> %d MB around 64 MB written by ND4J; heap resident %d MB%n",
                before >> 20, after >> 20, Long.parseLong(last[2]) >> 20);
        assertTrue(Long.parseLong(last[2]) > 0, "the heap's resident pages are found in /proc/self/smaps: " + out);
        assertTrue(after - before >= 48L << 20, "native bytes grew by " + ((after - before) >> 20) + " MB: " + out);
        assertEquals(16L << 20, Long.parseLong(last[3]));
        long mapped = Long.parseLong(last[4]);
        assertTrue(Math.abs(mapped - after) < 8L << 20,
                "a mapped file is not native memory (the service's embedded broker maps 500 MB of segments, and the "
                        + "figure read 0 when it subtracted them): " + (after >> 20) + " -> " + (mapped >> 20) + " MB");
    }

    @Test
    void bothGaugesAreRegisteredAndReadTheProcess() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProcessMeters.bind(registry);
        double resident = registry.get(MetricNames.RESIDENT_MEMORY).gauge().value();
        double nativeBytes = registry.get(MetricNames.NATIVE_MEMORY).gauge().value();
        assertTrue(resident > 0 && nativeBytes >= 0 && nativeBytes < resident, resident + " " + nativeBytes);
    }
}
