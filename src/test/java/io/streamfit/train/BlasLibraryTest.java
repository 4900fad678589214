package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BLAS choice's edges: an unknown value or a missing system library is refused by name before
 * anything is set. (That {@code system} really maps Debian's library is checked on the packaged
 * jar by {@code TrainCommandIT}, in a fresh JVM: here ND4J is loaded already.)
 */
class BlasLibraryTest {
    @AfterEach
    void clear() {
        System.clearProperty(BlasLibrary.PROPERTY);
        System.clearProperty(BlasLibrary.PROPERTY + ".dir");
    }

    @Test
    void bundledIsTheDefaultAndSetsNothing() {
        String before = System.getProperty("org.bytedeco.openblas.load");
        assertEquals("bundled", BlasLibrary.select());
        assertEquals(before, System.getProperty("org.bytedeco.openblas.load"));
    }

    @Test
    void anUnknownValueIsRefusedByName() {
        System.setProperty(BlasLibrary.PROPERTY, "mkl");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, BlasLibrary::select);
        assertEquals("streamfit.blas is \"mkl\": expected bundled or system", e.getMessage());
    }

    @Test
    void aMissingSystemLibraryIsRefusedWithWhereItLooked(@TempDir Path empty) {
        System.setProperty(BlasLibrary.PROPERTY, "system");
        System.setProperty(BlasLibrary.PROPERTY + ".dir", empty.toString());
        String before = System.getProperty("org.bytedeco.openblas.load");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, BlasLibrary::select);
        assertTrue(e.getMessage().contains("no libopenblas.so.0 in " + empty), e.getMessage());
        assertEquals(before, System.getProperty("org.bytedeco.openblas.load"), "nothing was set");
    }

    @Test
    void theLoadedLibraryIsReadFromTheProcessMaps() {
        NativeThreads.configure(1); // loads ND4J and its BLAS
        String lib = BlasLibrary.loaded();
        // Which one depends on what this shared test JVM loaded first; TrainCommandIT tells them apart in fresh JVMs.
        assertTrue(lib.matches("OpenBLAS 0\\.\\d+\\.\\d+ \\(/.*libopenblas.*\\)"), lib);
    }
}
