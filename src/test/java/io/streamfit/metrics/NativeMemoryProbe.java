package io.streamfit.metrics;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Run in a fresh JVM by {@link ProcessMetersTest}: prints the native figure before and after
 * ND4J writes 64 MB, and the heap's resident bytes. A fresh process, because in a long one the C
 * allocator may hand out pages an earlier test freed and kept resident, which the resident set
 * (and so the figure) already counted.
 */
public final class NativeMemoryProbe {
    private NativeMemoryProbe() {}

    public static void main(String[] args) {
        Nd4j.create(DataType.FLOAT, 4).addi(1); // the native library loaded before the baseline
        long before = ProcessMeters.nativeBytes();
        INDArray big = Nd4j.ones(DataType.FLOAT, 16L << 20);
        long after = ProcessMeters.nativeBytes();
        System.out.println(before + " " + after + " " + ProcessMeters.heapResidentBytes() + " " + big.sumNumber().longValue());
    }
}
