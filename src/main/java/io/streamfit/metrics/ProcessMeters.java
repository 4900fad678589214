package io.streamfit.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import org.bytedeco.javacpp.Pointer;

/**
 * The process' memory beyond what the JVM's own meters see. ND4J keeps its arrays off-heap,
 * allocated by its native library where no Java counter sees them (JavaCPP's
 * {@code Pointer.totalBytes()} tracks only its own few allocations: tens of kilobytes while a model
 * of megabytes trains). So streamfit measures from the outside:
 * <ul>
 *   <li>{@code streamfit_process_resident_memory_bytes}: the resident set of the whole process,
 *       as the kernel counts it ({@code /proc/self/statm}, read by JavaCPP); a pod's memory limit
 *       is met by this figure;</li>
 *   <li>{@code streamfit_native_memory_bytes}: the part of it outside the JVM's memory pools
 *       and buffer pools: ND4J's arrays, BLAS work buffers, native libraries, thread stacks and
 *       the C allocator's arenas. The JVM's share is estimated per pool as its peak use, capped
 *       by what it committed: the pages it has touched, which stay resident. (Committed bytes
 *       alone would count a heap reserved with {@code -Xms} but never touched, and hide every
 *       native byte behind it.) An estimate, then, but the figure that grows when the native
 *       side does.</li>
 * </ul>
 * A dashboard shows both beside the heap ({@code jvm_memory_used_bytes{area="heap"}}).
 */
public final class ProcessMeters {
    private ProcessMeters() {}

    /** Registers both gauges (registering again returns the existing ones). */
    public static void bind(MeterRegistry registry) {
        Gauge.builder(MetricNames.RESIDENT_MEMORY, Pointer::physicalBytes)
                .description("Resident set size of the process: heap, native arrays, code and stacks").baseUnit("bytes")
                .register(registry);
        Gauge.builder(MetricNames.NATIVE_MEMORY, ProcessMeters::nativeBytes)
                .description("Resident memory outside the JVM's heap, non-heap and buffer pools: ND4J's off-heap arrays, "
                        + "BLAS buffers, native libraries, thread stacks (an estimate)")
                .baseUnit("bytes").register(registry);
    }

    /** The resident set less the JVM's estimated resident pools; never below 0. */
    static long nativeBytes() {
        long jvm = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            jvm += Math.min(pool.getUsage().getCommitted(), pool.getPeakUsage().getUsed());
        }
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            jvm += Math.max(0, pool.getMemoryUsed());
        }
        return Math.max(0, Pointer.physicalBytes() - jvm);
    }
}
