package io.streamfit.nn;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Shared shape of the online input-scaling layers: {@code y = (x - offset) * scale} per feature,
 * with statistics of the examples trained on so far. Test-then-train: a training batch is scaled
 * with the statistics before it, its own statistics are collected in
 * {@link #forwardTraining} and merged in {@link #commitTrainingStep} (with the optimizer step,
 * under the model's lock, not for a skipped step). With {@code freezeAfter > 0} nothing is
 * merged once that many examples are in. Within a step the map is linear, so
 * {@code dx = dy * scale}.
 */
abstract class InputScaler extends SameWidthLayer {
    private final long freezeAfter;
    private INDArray count;
    private boolean pending;
    private long pendingRows;

    InputScaler(String kind, int width, long freezeAfter) {
        super(kind, width);
        this.freezeAfter = freezeAfter;
    }

    /** The statistics buffers after the leading {@code count}, e.g. {@code mean}, {@code m2}. */
    abstract List<ParamShape> statisticShapes();

    abstract void bindStatistics(List<INDArray> statistics);

    /** Per-feature offset and scale from the current statistics ({@code n} examples so far). */
    abstract INDArray offset(double n);

    abstract INDArray scale(double n);

    /** Collects a training batch's statistics (kept until {@link #merge}). */
    abstract void collect(INDArray x);

    /** Merges the collected batch of {@code rows} examples into statistics of {@code n}. */
    abstract void merge(double n, long rows);

    @Override
    public final List<ParamShape> bufferShapes() {
        List<ParamShape> shapes = new ArrayList<>();
        shapes.add(new ParamShape("count", new long[0], Init.ZEROS));
        shapes.addAll(statisticShapes());
        return shapes;
    }

    @Override
    public final void bindBuffers(List<INDArray> buffers) {
        count = buffers.get(0);
        bindStatistics(buffers.subList(1, buffers.size()));
    }

    @Override
    public final INDArray forward(INDArray x, INDArray out) {
        double n = count.getDouble(0);
        INDArray offset = offset(n);
        INDArray y = out == null ? x.subRowVector(offset) : out.assign(x).subiRowVector(offset);
        return y.muliRowVector(scale(n));
    }

    @Override
    public final INDArray forwardTraining(INDArray x, INDArray out, SplitMix64 rng) {
        pending = freezeAfter == 0 || count.getDouble(0) < freezeAfter;
        if (pending) {
            pendingRows = x.rows();
            collect(x);
        }
        return forward(x, out);
    }

    @Override
    public final INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        if (dx == null) {
            return null;
        }
        return dx.assign(dy).muliRowVector(scale(count.getDouble(0)));
    }

    @Override
    public final void commitTrainingStep() {
        if (!pending) {
            return;
        }
        double n = count.getDouble(0);
        merge(n, pendingRows);
        count.assign(n + pendingRows);
        pending = false;
    }
}
