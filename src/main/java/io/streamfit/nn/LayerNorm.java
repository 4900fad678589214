package io.streamfit.nn;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalization over the feature dimension, {@code torch.nn.LayerNorm(width, eps)} with
 * {@code elementwise_affine=True}: {@code y = (x - mean) / sqrt(var + eps) * weight + bias},
 * where mean and the biased variance are taken per row. {@code weight} (the gain) starts at 1
 * and {@code bias} at 0, as in PyTorch.
 *
 * <p>Backward (per row, N features, xhat the normalized input, g = dy * weight):
 * {@code dx = rstd * (g - mean(g) - xhat * mean(g * xhat))}, {@code dweight = sum_rows(dy * xhat)},
 * {@code dbias = sum_rows(dy)}. The row statistics are recomputed rather than cached, so the layer
 * stays free of per-call state.
 *
 * <p>Float32 runs as one fused Java pass per direction ({@link LayerNormKernel}) over bulk copies
 * of the activations: the same formulas as ND4J ops took 28 ms forward and 51 ms backward per
 * step at batch 64 here (about thirty ops, most allocating, several on broadcasting slow paths),
 * the fused pass well under a millisecond ({@code StepPhases layernorm}). Other types (the
 * float64 gradient checks) keep the ND4J formulation, which is also the fused kernel's reference
 * in {@code LayerNormKernelTest}.
 */
public final class LayerNorm extends AffineNormLayer {
    public static final LayerKind KIND = new LayerKind("layer_norm", "nn.LayerNorm", LayerKind.Role.NORMALIZATION,
            List.of(LayerKind.eps(1e-5, 1)), List.of("weight", "bias"), List.of(), LayerKind.AFFINE, LayerKind.Limits.NONE,
            (in, options, body) -> new LayerNorm(in, options.number("eps")));

    private final double eps;
    // Training-thread scratch (forwardTraining and backward only; forward() allocates its own).
    private float[] xs;
    private float[] ys;
    private float[] gs;
    private float[] ws = new float[0];
    private float[] dws = new float[0];
    private float[] dbs = new float[0];

    public LayerNorm(int width, double eps) {
        super(KIND.name(), width);
        this.eps = eps;
    }

    public double eps() {
        return eps;
    }

    /** Whether float32 input {@code x} (and {@code other}) take the fused path. */
    boolean fused(INDArray x, INDArray other) {
        return x.dataType() == DataType.FLOAT && NativeFloats.dense(x) && (other == null || NativeFloats.dense(other))
                && NativeFloats.dense(weight) && NativeFloats.dense(bias);
    }

    @Override
    public INDArray forward(INDArray x, INDArray out) {
        if (!fused(x, out)) {
            return forwardNd4j(x, out);
        }
        // Any thread may predict: local buffers only.
        int n = Math.toIntExact(x.length());
        float[] in = NativeFloats.get(x, new float[n], n);
        float[] y = new float[n];
        float[] w = NativeFloats.get(weight, new float[width], width);
        float[] b = NativeFloats.get(bias, new float[width], width);
        LayerNormKernel.forward(in, (int) x.rows(), width, w, b, (float) eps, y);
        return store(y, n, x, out);
    }

    @Override
    public INDArray forwardTraining(INDArray x, INDArray out, SplitMix64 rng) {
        if (!fused(x, out)) {
            return forwardNd4j(x, out);
        }
        int n = Math.toIntExact(x.length());
        xs = NativeFloats.get(x, NativeFloats.sized(xs, n), n);
        ys = NativeFloats.sized(ys, n);
        ws = NativeFloats.get(weight, NativeFloats.sized(ws, width), width);
        float[] b = NativeFloats.get(bias, NativeFloats.sized(dbs, width), width); // dbs is free until backward
        LayerNormKernel.forward(xs, (int) x.rows(), width, ws, b, (float) eps, ys);
        return store(ys, n, x, out);
    }

    private static INDArray store(float[] y, int n, INDArray x, INDArray out) {
        INDArray target = out != null ? out : Nd4j.createUninitialized(DataType.FLOAT, x.rows(), x.columns());
        NativeFloats.put(y, n, target);
        return target;
    }

    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        if (!fused(x, dy) || (dx != null && !NativeFloats.dense(dx))) {
            return backwardNd4j(x, dy, dx);
        }
        int n = Math.toIntExact(x.length());
        xs = NativeFloats.get(x, NativeFloats.sized(xs, n), n);
        gs = NativeFloats.get(dy, NativeFloats.sized(gs, n), n);
        ws = NativeFloats.get(weight, NativeFloats.sized(ws, width), width);
        dws = NativeFloats.sized(dws, width);
        dbs = NativeFloats.sized(dbs, width);
        // dx overwrites x's scratch copy in place (xs is reloaded by the next call).
        LayerNormKernel.backward(xs, gs, (int) x.rows(), width, ws, (float) eps, dx != null ? xs : null, dws, dbs);
        NativeFloats.put(dws, width, dWeight);
        NativeFloats.put(dbs, width, dBias);
        if (dx == null) {
            return null;
        }
        NativeFloats.put(xs, n, dx);
        return dx;
    }

    private INDArray forwardNd4j(INDArray x, INDArray out) {
        INDArray[] norm = normalize(x);
        INDArray xhat = norm[0];
        return out == null ? xhat.muliRowVector(weight).addiRowVector(bias)
                : out.assign(xhat).muliRowVector(weight).addiRowVector(bias);
    }

    private INDArray backwardNd4j(INDArray x, INDArray dy, INDArray dx) {
        INDArray[] norm = normalize(x);
        INDArray xhat = norm[0];
        INDArray rstd = norm[1];
        dy.mul(xhat).sum(dWeight, 0);
        dy.sum(dBias, 0);
        if (dx == null) {
            return null;
        }
        INDArray g = dy.mulRowVector(weight);
        INDArray meanG = g.mean(true, 1);
        INDArray meanGx = g.mul(xhat).mean(true, 1);
        INDArray r = g.subiColumnVector(meanG).subi(xhat.muliColumnVector(meanGx)).muliColumnVector(rstd);
        return dx.assign(r);
    }

    /** Returns {xhat, rstd} where rstd is the column {@code 1/sqrt(var + eps)}. */
    private INDArray[] normalize(INDArray x) {
        INDArray mean = x.mean(true, 1);
        INDArray centered = x.subColumnVector(mean);
        INDArray var = centered.mul(centered).mean(true, 1);
        INDArray rstd = Transforms.pow(var.addi(eps), -0.5, false);
        return new INDArray[] {centered.muliColumnVector(rstd), rstd};
    }
}
