package io.streamfit.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's off-heap arrays show in {@code streamfit_native_memory_bytes}: 64 MB of float32 written
 * by ND4J raise it by at least 48 MB (a margin for the allocator and the JVM's own moves). The
 * figure JavaCPP tracks itself stays in the kilobytes meanwhile, which is why it is not the one
 * exported.
 */
class ProcessMetersTest {
    @Test
    void anNd4jArrayRaisesTheNativeFigure() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProcessMeters.bind(registry);
        Nd4j.create(DataType.FLOAT, 4).addi(1); // the native library loaded and warmed up before the baseline
        long before = ProcessMeters.nativeBytes();
        INDArray big = Nd4j.ones(DataType.FLOAT, 16L << 20); // 64 MB, every page written
        long after = ProcessMeters.nativeBytes();
        double gauge = registry.get(MetricNames.NATIVE_MEMORY).gauge().value();
        double resident = registry.get(MetricNames.RESIDENT_MEMORY).gauge().value();
        assertTrue(after - before >= 48L << 20, "native bytes grew by " + ((after - before) >> 20) + " MB");
        assertTrue(gauge >= after - (16L << 20), "the gauge reads the same figure: " + gauge + " vs " + after);
        assertTrue(resident > gauge, "the resident set holds the native part: " + resident + " > " + gauge);
        assertTrue(big.sumNumber().doubleValue() == 16L << 20);
    }
}
