package io.streamfit.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Online min-max scaling to [0, 1] per feature, {@code y = (x - min) / (max - min)}, with the
 * minimum and maximum of every example trained on so far (scikit-learn's {@code MinMaxScaler}
 * fitted incrementally; a feature whose range is still 0 is only shifted, as there).
 * Test-then-train and {@code freezeAfter} as in {@link InputScaler}; the statistics are snapshot
 * buffers ({@code i.count}, {@code i.min}, {@code i.max}). Before the first batch the layer is the
 * identity. Later values outside the range seen map outside [0, 1].
 */
public final class MinMaxScale extends InputScaler {
    public static final LayerKind KIND = new LayerKind("min_max_scale", "sklearn MinMaxScaler.partial_fit",
            LayerKind.Role.PREPROCESSING, List.of(LayerKind.freezeAfter()), List.of(), List.of("count", "min", "max"),
            LayerKind.SAME_WIDTH, LayerKind.Limits.NONE,
            (in, options, body) -> new MinMaxScale(in, options.count("freeze_after")));
    private INDArray min;
    private INDArray max;
    private INDArray batchMin;
    private INDArray batchMax;

    public MinMaxScale(int width, long freezeAfter) {
        super(KIND.name(), width, freezeAfter);
    }

    @Override
    List<ParamShape> statisticShapes() {
        return List.of(new ParamShape("min", new long[] {width}, Init.ZEROS),
                new ParamShape("max", new long[] {width}, Init.ONES));
    }

    @Override
    void bindStatistics(List<INDArray> statistics) {
        min = statistics.get(0);
        max = statistics.get(1);
    }

    @Override
    INDArray offset(double n) {
        return min;
    }

    /** {@code 1 / (max - min)}, with 1 for a zero range; ones before any example (min 0, max 1). */
    @Override
    INDArray scale(double n) {
        INDArray range = max.sub(min);
        range.addi(range.eq(0).castTo(range.dataType()));
        return Transforms.pow(range, -1, false);
    }

    @Override
    void collect(INDArray x) {
        batchMin = x.min(0);
        batchMax = x.max(0);
    }

    @Override
    void merge(double n, long rows) {
        if (n == 0) {
            min.assign(batchMin);
            max.assign(batchMax);
        } else {
            Transforms.min(min, batchMin, false);
            Transforms.max(max, batchMax, false);
        }
    }
}
