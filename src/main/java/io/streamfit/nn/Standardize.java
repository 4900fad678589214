package io.streamfit.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Online input standardization: {@code y = (x - mean) / sqrt(var + eps)} per feature, with the
 * mean and (population) variance of every example trained on so far, kept by Welford's
 * algorithm in Chan et al.'s batched form (numerically stable for long streams):
 *
 * <pre>
 *   n' = n + b,  delta = mean_b - mean
 *   mean' = mean + delta * b / n'
 *   M2'   = M2 + M2_b + delta^2 * n * b / n'           var = M2 / n
 * </pre>
 *
 * Test-then-train and {@code freezeAfter} as in {@link InputScaler}; before the first batch the
 * layer is the identity. The statistics are snapshot buffers ({@code i.count}, {@code i.mean},
 * {@code i.m2}); there is no trainable parameter. PyTorch has no such module.
 */
public final class Standardize extends InputScaler {
    public static final LayerKind KIND = new LayerKind("standardize", "sklearn StandardScaler.partial_fit",
            LayerKind.Role.PREPROCESSING, List.of(LayerKind.eps(1e-8, 1), LayerKind.freezeAfter()), List.of(),
            List.of("count", "mean", "m2"), LayerKind.SAME_WIDTH, LayerKind.Limits.NONE,
            (in, options, body) -> new Standardize(in, options.number("eps"), options.count("freeze_after")));
    private final double eps;
    private INDArray mean;
    private INDArray m2;
    private INDArray batchMean;
    private INDArray batchM2;

    public Standardize(int width, double eps, long freezeAfter) {
        super(KIND.name(), width, freezeAfter);
        this.eps = eps;
    }

    @Override
    List<ParamShape> statisticShapes() {
        return List.of(new ParamShape("mean", new long[] {width}, Init.ZEROS),
                new ParamShape("m2", new long[] {width}, Init.ZEROS));
    }

    @Override
    void bindStatistics(List<INDArray> statistics) {
        mean = statistics.get(0);
        m2 = statistics.get(1);
    }

    @Override
    INDArray offset(double n) {
        return mean;
    }

    /** {@code 1 / sqrt(var + eps)}, or ones before any example. */
    @Override
    INDArray scale(double n) {
        if (n == 0) {
            return Nd4j.ones(mean.dataType(), width);
        }
        return Transforms.pow(m2.div(n).addi(eps), -0.5, false);
    }

    @Override
    void collect(INDArray x) {
        batchMean = x.mean(0);
        INDArray centered = x.subRowVector(batchMean);
        batchM2 = centered.mul(centered).sum(0);
    }

    @Override
    void merge(double n, long rows) {
        double total = n + rows;
        INDArray delta = batchMean.sub(mean);
        mean.addi(delta.mul(rows / total));
        m2.addi(batchM2).addi(delta.muli(delta).muli(n * rows / total));
    }
}
