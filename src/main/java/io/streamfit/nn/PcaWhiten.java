package io.streamfit.nn;

import io.streamfit.hyper.HyperParameter;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Online PCA (or ZCA) whitening of the input: {@code y = (x - offset) W^T}, with {@code W} from
 * the eigendecomposition {@code Sigma = U diag(lambda) U^T} of the covariance of the examples
 * trained on so far:
 *
 * <pre>
 *   PCA:  W = diag(1 / sqrt(lambda + eps)) U^T        (outputs ordered by decreasing variance)
 *   ZCA:  W = U diag(1 / sqrt(lambda + eps)) U^T      (the whitening closest to the input)
 * </pre>
 *
 * The mean and the co-moment {@code M2 = sum (x - mean)(x - mean)^T} are merged batch by batch
 * (Chan et al.'s update, as {@link Standardize} does per feature); {@code W} and {@code offset}
 * are recomputed from them only each time the count passes a multiple of {@code refreshEvery}
 * (and when it reaches {@code freezeAfter}), so the map is fixed between refreshes and the layers
 * after it see a stable input. Before the first refresh the layer is the identity. Test-then-train
 * as in {@link InputScaler}: a batch is whitened with the map before it, and its statistics are
 * merged with the optimizer step. The eigendecomposition is the cyclic Jacobi method in float64
 * ({@link SymmetricEigen}), which costs O(width^3) per refresh, hence the width limit in the spec.
 * Buffers: {@code i.count}, {@code i.mean}, {@code i.m2}, {@code i.offset}, {@code i.whitening}.
 */
public final class PcaWhiten extends SameWidthLayer {
    /**
     * Widest input it accepts: a refresh (Jacobi, width^3 per sweep) stalls the training thread
     * for 80-130 ms at 128 here, 1.2 s at 256.
     */
    public static final int MAX_INPUT_WIDTH = 128;
    public static final LayerKind KIND = new LayerKind("pca_whiten", "sklearn PCA(whiten=True)", LayerKind.Role.PREPROCESSING,
            List.of(LayerKind.eps(1e-5, 1e6), HyperParameter.flag("zca"),
                    HyperParameter.count("refresh_every", 10_000L, 1, Long.MAX_VALUE / 2), LayerKind.freezeAfter()),
            List.of(), List.of("count", "mean", "m2", "offset", "whitening"), LayerKind.SAME_WIDTH,
            LayerKind.Limits.NONE.inputUpTo(MAX_INPUT_WIDTH, "its covariance is width x width and each refresh costs width^3",
                    "use standardize"),
            (in, options, body) -> new PcaWhiten(in, options.number("eps"), options.flag("zca"), options.count("refresh_every"),
                    options.count("freeze_after")));

    private final double eps;
    private final boolean zca;
    private final long refreshEvery;
    private final long freezeAfter;
    private INDArray count;
    private INDArray mean;
    private INDArray m2;
    private INDArray offset;
    private INDArray whitening;
    private boolean pending;
    private long pendingRows;
    private INDArray batchMean;
    private INDArray batchM2;

    public PcaWhiten(int width, double eps, boolean zca, long refreshEvery, long freezeAfter) {
        super(KIND.name(), width);
        if (refreshEvery < 1) {
            throw new IllegalArgumentException("refreshEvery must be >= 1, got " + refreshEvery);
        }
        this.eps = eps;
        this.zca = zca;
        this.refreshEvery = refreshEvery;
        this.freezeAfter = freezeAfter;
    }

    @Override
    public List<ParamShape> bufferShapes() {
        return List.of(new ParamShape("count", new long[0], Init.ZEROS),
                new ParamShape("mean", new long[] {width}, Init.ZEROS),
                new ParamShape("m2", new long[] {width, width}, Init.ZEROS),
                new ParamShape("offset", new long[] {width}, Init.ZEROS),
                new ParamShape("whitening", new long[] {width, width}, Init.IDENTITY));
    }

    @Override
    public void bindBuffers(List<INDArray> buffers) {
        count = buffers.get(0);
        mean = buffers.get(1);
        m2 = buffers.get(2);
        offset = buffers.get(3);
        whitening = buffers.get(4);
    }

    /** The current whitening matrix {@code W} (a view of the buffer). */
    public INDArray whitening() {
        return whitening;
    }

    @Override
    public INDArray forward(INDArray x, INDArray out) {
        INDArray centered = x.subRowVector(offset);
        return out == null ? centered.mmul(whitening.transpose()) : centered.mmuli(whitening.transpose(), out);
    }

    @Override
    public INDArray forwardTraining(INDArray x, INDArray out, SplitMix64 rng) {
        pending = freezeAfter == 0 || count.getDouble(0) < freezeAfter;
        if (pending) {
            pendingRows = x.rows();
            batchMean = x.mean(0);
            INDArray c = x.subRowVector(batchMean);
            batchM2 = c.transpose().mmul(c);
        }
        return forward(x, out);
    }

    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        return dx == null ? null : dy.mmuli(whitening, dx);
    }

    @Override
    public void commitTrainingStep() {
        if (!pending) {
            return;
        }
        pending = false;
        double n = count.getDouble(0);
        double total = n + pendingRows;
        INDArray delta = batchMean.sub(mean);
        mean.addi(delta.mul(pendingRows / total));
        INDArray d = delta.reshape(width, 1);
        m2.addi(batchM2).addi(d.mmul(d.transpose()).muli(n * pendingRows / total));
        count.assign(total);
        boolean boundary = Math.floor(n / refreshEvery) != Math.floor(total / refreshEvery);
        boolean freezing = freezeAfter > 0 && total >= freezeAfter;
        if (boundary || freezing) {
            refresh(total);
        }
    }

    /** Recomputes {@code W} and {@code offset} from the statistics of {@code n} examples. */
    private void refresh(double n) {
        double[] cov = m2.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        for (int i = 0; i < cov.length; i++) {
            cov[i] /= n;
        }
        SymmetricEigen e = SymmetricEigen.of(cov, width); // eigenvalues descending, vectors as columns of u
        double[] w = new double[width * width];
        for (int k = 0; k < width; k++) {
            double s = 1 / Math.sqrt(Math.max(e.values()[k], 0) + eps);
            for (int j = 0; j < width; j++) {
                w[k * width + j] = s * e.vector(k)[j]; // row k: s_k u_k^T
            }
        }
        if (zca) {
            double[] z = new double[width * width];
            for (int i = 0; i < width; i++) {
                for (int k = 0; k < width; k++) {
                    double uik = e.vector(k)[i];
                    if (uik == 0) {
                        continue;
                    }
                    for (int j = 0; j < width; j++) {
                        z[i * width + j] += uik * w[k * width + j];
                    }
                }
            }
            w = z;
        }
        whitening.assign(Nd4j.create(w, new long[] {width, width}, 'c').castTo(whitening.dataType()));
        offset.assign(mean);
    }
}
