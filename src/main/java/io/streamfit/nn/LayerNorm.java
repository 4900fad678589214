package io.streamfit.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
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
 */
public final class LayerNorm extends AffineNormLayer {
    private final double eps;

    public LayerNorm(int width, double eps) {
        super("layer_norm", width);
        this.eps = eps;
    }

    public double eps() {
        return eps;
    }






    @Override
    public INDArray forward(INDArray x, INDArray out) {
        INDArray[] norm = normalize(x);
        INDArray xhat = norm[0];
        return out == null ? xhat.muliRowVector(weight).addiRowVector(bias)
                : out.assign(xhat).muliRowVector(weight).addiRowVector(bias);
    }

    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
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
        return g.subiColumnVector(meanG).subi(xhat.muliColumnVector(meanGx)).muliColumnVector(rstd);
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
