package io.streamfit.metrics;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Run in a fresh JVM by {@link ProcessMetersTest}: prints the native figure before and after
 * ND4J writes 64 MB, the heap's resident bytes, and the figure once a 256 MB file is mapped. A fresh process, because in a long one the C
 * allocator may hand out pages an earlier test freed and kept resident, which the resident set
 * (and so the figure) already counted.
 */
public final class NativeMemoryProbe {
    private NativeMemoryProbe() {}

    public static void main(String[] args) throws IOException {
        Nd4j.create(DataType.FLOAT, 4).addi(1); // the native library loaded before the baseline
        long before = ProcessMeters.nativeBytes();
        INDArray big = Nd4j.ones(DataType.FLOAT, 16L << 20);
        long after = ProcessMeters.nativeBytes();
        // A file mapped as Kafka maps its log segments: 256 MB of address space, one page touched.
        Path file = Files.createTempFile("probe", ".map");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 256L << 20);
            map.put(0, (byte) 1);
            long mapped = ProcessMeters.nativeBytes();
            System.out.println(before + " " + after + " " + ProcessMeters.heapResidentBytes() + " " + big.sumNumber().longValue()
                    + " " + mapped + " " + map.get(0));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
