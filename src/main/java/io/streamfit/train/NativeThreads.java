package io.streamfit.train;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Sets how many threads ND4J's BLAS and OpenMP may use. On this project's 2-core machines one
 * thread per training loop measured 2.5-4x faster than two for these model sizes (two thread
 * pools spinning against each other), and leaves the other core for decoding and I/O.
 */
public final class NativeThreads {
    private NativeThreads() {}

    public static void configure(int threads) {
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }
}
