package io.streamfit.bench;

import io.streamfit.nn.SplitMix64;
import io.streamfit.optim.Adam;
import io.streamfit.train.NativeThreads;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One Adam update over the 269,322 parameters of the 784-256-256-10 MLP, three ways: streamfit's
 * fused Java kernel (bulk copy out of native memory, one vectorizable pass, bulk copy back),
 * ND4J's own {@code Adam} updater, and Adam as nine in-place ND4J ops. This is the measurement
 * behind writing the optimizers as fused kernels.
 *
 * <pre>./mvnw -Pbench test-compile exec:exec -Djmh.args=AdamUpdateBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class AdamUpdateBenchmark {
    static final int N = 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10;

    private INDArray params;
    private INDArray grads;
    private Adam fused;
    private GradientUpdater<?> nd4jAdam;
    private INDArray gradCopy;
    private INDArray m;
    private INDArray v;
    private INDArray tmp;
    private int iteration;

    @Setup(Level.Trial)
    public void setUp() {
        NativeThreads.configure(1);
        SplitMix64 rng = new SplitMix64(3);
        float[] g = new float[N];
        for (int i = 0; i < N; i++) {
            g[i] = (float) rng.nextGaussian();
        }
        params = Nd4j.zeros(DataType.FLOAT, N);
        grads = Nd4j.create(g);
        fused = new Adam(params, grads, 0.9, 0.999, 1e-8, 0, false);
        nd4jAdam = new org.nd4j.linalg.learning.config.Adam(1e-3).instantiate(Nd4j.zeros(DataType.FLOAT, 1, 2L * N), true);
        gradCopy = grads.dup();
        m = Nd4j.zeros(DataType.FLOAT, N);
        v = Nd4j.zeros(DataType.FLOAT, N);
        tmp = Nd4j.zeros(DataType.FLOAT, N);
    }

    @Benchmark
    public INDArray fusedJavaKernel() {
        fused.step(1e-3, 1f);
        return params;
    }

    @Benchmark
    public INDArray nd4jAdamUpdater() {
        gradCopy.assign(grads); // the updater overwrites its input with the update
        nd4jAdam.applyUpdater(gradCopy, iteration++, 0);
        return params.subi(gradCopy);
    }

    @Benchmark
    public INDArray nd4jNineOps() {
        iteration++;
        double bc1 = 1 - Math.pow(0.9, iteration);
        double bc2 = 1 - Math.pow(0.999, iteration);
        m.muli(0.9).addi(grads.mul(0.1));
        v.muli(0.999).addi(tmp.assign(grads).muli(grads).muli(0.001));
        Transforms.sqrt(tmp.assign(v), false).divi(Math.sqrt(bc2)).addi(1e-8);
        return params.subi(tmp.rdivi(m).muli(1e-3 / bc1));
    }
}
