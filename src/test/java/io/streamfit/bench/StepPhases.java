package io.streamfit.bench;

import io.streamfit.nn.Loss;
import io.streamfit.nn.Network;
import io.streamfit.nn.SplitMix64;
import io.streamfit.optim.FlatOptimizer;
import io.streamfit.optim.GradientClipper;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelFactory;
import io.streamfit.train.NativeThreads;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a training step's time goes: the phases of {@code ModelState.train} (forward, loss,
 * backward, clipping norm, optimizer update) timed separately over the spec of
 * {@link TrainingStepBenchmark}, median microseconds per phase. A diagnostic, not a benchmark
 * (JMH measures the whole step): {@code java -cp ... io.streamfit.bench.StepPhases plain|layernorm 1,64}.
 */
public final class StepPhases {
    private StepPhases() {}

    public static void main(String[] args) {
        String arch = args.length > 0 ? args[0] : "plain";
        String[] batches = (args.length > 1 ? args[1] : "1,16,64,256").split(",");
        NativeThreads.configure(1);
        for (String b : batches) {
            run(arch, Integer.parseInt(b));
        }
    }

    private static void run(String arch, int batch) {
        ModelSpec spec = SpecParser.parse(TrainingStepBenchmark.MLP.formatted(
                TrainingStepBenchmark.layersSpec(arch), TrainingStepBenchmark.optimizerSpec("adam"), batch));
        Network net = ModelFactory.network(spec, DataType.FLOAT);
        net.initialize(new SplitMix64(1), ModelFactory.initializers(spec));
        Loss loss = ModelFactory.loss(spec);
        GradientClipper clipper = ModelFactory.clipper(spec, net);
        FlatOptimizer opt = ModelFactory.optimizer(spec, net);
        SplitMix64 rng = new SplitMix64(2);
        Batch data = TrainingStepBenchmark.randomBatch(batch);
        INDArray x = Nd4j.create(DataType.FLOAT, batch, 784);
        x.data().setData(data.x());
        float[] y = data.y();
        INDArray dOut = Nd4j.create(DataType.FLOAT, batch, 10);
        int n = Math.max(200, 20000 / batch);
        long[][] t = new long[5][n];
        for (int rep = 0; rep < 2; rep++) { // the first round warms up the JIT
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                INDArray[] acts = net.forward(x, rng);
                long t1 = System.nanoTime();
                loss.evaluate(acts[acts.length - 1], y, dOut);
                long t2 = System.nanoTime();
                net.backward(acts, dOut);
                long t3 = System.nanoTime();
                GradientClipper.Decision d = clipper.clip(net.grads());
                long t4 = System.nanoTime();
                opt.step(1e-3, d.scale());
                long t5 = System.nanoTime();
                t[0][i] = t1 - t0;
                t[1][i] = t2 - t1;
                t[2][i] = t3 - t2;
                t[3][i] = t4 - t3;
                t[4][i] = t5 - t4;
            }
        }
        String[] names = {"forward", "loss", "backward", "clip_norm", "optimizer"};
        StringBuilder sb = new StringBuilder(String.format("%-9s batch %3d:", arch, batch));
        double total = 0;
        for (int p = 0; p < 5; p++) {
            Arrays.sort(t[p]);
            double us = t[p][n / 2] / 1e3;
            total += us;
            sb.append(String.format(" %s %.1f", names[p], us));
        }
        sb.append(String.format(" | sum %.1f us = %.0f examples/s", total, batch * 1e6 / total));
        System.out.println(sb);
    }
}
