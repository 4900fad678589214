package io.streamfit.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;
import org.bytedeco.javacpp.Pointer;

/**
 * The process' memory beyond what the JVM's own meters see. ND4J keeps its arrays off-heap,
 * allocated by its native library where no Java counter sees them: JavaCPP's
 * {@code Pointer.totalBytes()} and ND4J's {@code MemoryTracker} both read (near) zero while a
 * model of megabytes trains. So streamfit measures from the outside:
 * <ul>
 *   <li>{@code streamfit_process_resident_memory_bytes}: the resident set of the whole process,
 *       as the kernel counts it ({@code /proc/self/statm}, read by JavaCPP); a pod's memory limit
 *       is met by this figure;</li>
 *   <li>{@code streamfit_native_memory_bytes}: the anonymous memory that is not the JVM's: the
 *       anonymous resident set ({@code RssAnon}: no mapped files, such as an embedded broker's log
 *       segments) less the Java heap's resident pages, less what the JVM committed outside the
 *       heap (metaspace, code cache) and its direct buffers. That is ND4J's arrays, BLAS work
 *       buffers, native libraries, thread stacks and the C allocator's arenas. The heap's
 *       resident pages are summed from {@code /proc/self/smaps} over the address range the JVM
 *       reserved for it ({@code GC.heap_info}): committed bytes would count a heap committed but
 *       never touched, and hide every native byte behind it. Where that is not available (no
 *       {@code /proc}, a collector that reports no range), the heap pools' peak use, capped by
 *       what they committed, stands in.</li>
 * </ul>
 * A dashboard shows both beside the heap ({@code jvm_memory_used_bytes{area="heap"}}).
 */
public final class ProcessMeters {
    private static final Path SMAPS = Path.of("/proc/self/smaps");
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Pattern RANGE = Pattern.compile("\\[(0x[0-9a-f]+)[^\\]]*?(0x[0-9a-f]+)\\)");
    /** The heap's reserved address range {@code [from, to)}, or null when unknown; found once. */
    private static volatile long[] heapRange;
    private static volatile boolean heapRangeRead;

    private ProcessMeters() {}

    /** Registers both gauges (registering again returns the existing ones). */
    public static void bind(MeterRegistry registry) {
        Gauge.builder(MetricNames.RESIDENT_MEMORY, Pointer::physicalBytes)
                .description("Resident set size of the process: heap, native arrays, code and stacks").baseUnit("bytes")
                .register(registry);
        Gauge.builder(MetricNames.NATIVE_MEMORY, ProcessMeters::nativeBytes)
                .description("Resident memory that is not the JVM's (its heap's resident pages, metaspace, code cache, "
                        + "direct buffers): ND4J's off-heap arrays, BLAS buffers, native libraries, thread stacks")
                .baseUnit("bytes").register(registry);
    }

    /** The anonymous resident set less the JVM's share of it; never below 0. */
    static long nativeBytes() {
        long jvm = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted();
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) { // "mapped" are files: not anonymous memory
                jvm += Math.max(0, pool.getMemoryUsed());
            }
        }
        long heap = heapResidentBytes();
        if (heap < 0) {
            heap = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    heap += Math.min(pool.getUsage().getCommitted(), pool.getPeakUsage().getUsed());
                }
            }
        }
        return Math.max(0, anonymousResidentBytes() - heap - jvm);
    }

    /**
     * The anonymous part of the resident set ({@code RssAnon} in {@code /proc/self/status}): heap,
     * malloc'd and stack pages, without the pages of mapped files (an embedded broker maps its
     * log segments, hundreds of megabytes that are files, not memory the process allocated).
     * The whole resident set where that line is missing.
     */
    static long anonymousResidentBytes() {
        try (BufferedReader in = Files.newBufferedReader(STATUS)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("RssAnon:")) {
                    return Long.parseLong(line.substring(8, line.length() - 2).trim()) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // below
        }
        return Pointer.physicalBytes();
    }

    /** The resident bytes of the Java heap's mappings, from {@code /proc/self/smaps}; -1 when unknown. */
    static long heapResidentBytes() {
        long[] range = heapRange();
        if (range == null) {
            return -1;
        }
        long total = 0;
        boolean inHeap = false;
        try (BufferedReader in = Files.newBufferedReader(SMAPS)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                // A mapping's header ("7f1c2a000000-7f1c2a021000 rw-p ...") or one of its fields ("Rss:   4 kB").
                int space = line.indexOf(' ');
                String first = space < 0 ? line : line.substring(0, space);
                int dash = first.indexOf('-');
                if (dash > 0 && first.indexOf(':') < 0) {
                    long from = Long.parseUnsignedLong(line.substring(0, dash), 16);
                    long to = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                    inHeap = from >= range[0] && to <= range[1];
                } else if (inHeap && line.startsWith("Rss:")) {
                    total += Long.parseLong(line.substring(4, line.length() - 2).trim()) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return total;
    }

    /** The heap's reserved range, parsed once from the {@code GC.heap_info} diagnostic command. */
    private static long[] heapRange() {
        if (!heapRangeRead) {
            heapRange = parseHeapRange(heapInfo());
            heapRangeRead = true;
        }
        return heapRange;
    }

    private static String heapInfo() {
        try {
            return (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcHeapInfo", new Object[] {null},
                    new String[] {String[].class.getName()});
        } catch (JMException | RuntimeException e) {
            return "";
        }
    }

    /**
     * The smallest and largest address of the ranges {@code [0x.., .., 0x..)} that
     * {@code GC.heap_info} prints before the metaspace lines (G1: one range; Serial and Parallel:
     * one per generation); null when there is none.
     */
    static long[] parseHeapRange(String heapInfo) {
        int metaspace = heapInfo.indexOf("Metaspace");
        Matcher m = RANGE.matcher(metaspace < 0 ? heapInfo : heapInfo.substring(0, metaspace));
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        while (m.find()) {
            from = Math.min(from, Long.parseUnsignedLong(m.group(1).substring(2), 16));
            to = Math.max(to, Long.parseUnsignedLong(m.group(2).substring(2), 16));
        }
        return from < to ? new long[] {from, to} : null;
    }
}
