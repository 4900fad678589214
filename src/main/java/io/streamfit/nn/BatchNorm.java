package io.streamfit.nn;

import io.streamfit.hyper.HyperParameter;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Batch normalization over the batch dimension (Ioffe and Szegedy 2015), exactly
 * {@code torch.nn.BatchNorm1d(width, eps, momentum)} on {@code [batch, width]} inputs:
 *
 * <pre>
 *   training:   mu = mean_batch(x),  s2 = mean_batch((x - mu)^2)                (biased)
 *               y  = (x - mu) / sqrt(s2 + eps) * weight + bias
 *               running_mean = (1 - momentum) running_mean + momentum mu
 *               running_var  = (1 - momentum) running_var  + momentum s2 n / (n - 1)   (unbiased)
 *               num_batches_tracked += 1
 *   prediction: y  = (x - running_mean) / sqrt(running_var + eps) * weight + bias
 * </pre>
 *
 * PyTorch's conventions: the batch statistics normalize with the biased variance, the running
 * variance is updated with the unbiased one, and {@code momentum} weights the <em>new</em>
 * statistic (the opposite of the momentum of an optimizer). The running statistics are buffers,
 * not parameters: they are in every snapshot under PyTorch's names ({@code i.running_mean},
 * {@code i.running_var}, {@code i.num_batches_tracked}) but never trained.
 *
 * <p>Running statistics change only in {@link #commitTrainingStep}, which the training step calls
 * together with the optimizer update (under the model's write lock, and not for a skipped step),
 * so predictions never see half-updated statistics and a batch with a non-finite gradient leaves
 * them alone. Between {@link #forwardTraining} and {@link #backward} the layer keeps that
 * batch's normalized input (training thread only).
 */
public final class BatchNorm extends AffineNormLayer {
    public static final LayerKind KIND = new LayerKind("batch_norm", "nn.BatchNorm1d", LayerKind.Role.NORMALIZATION,
            List.of(LayerKind.eps(1e-5, 1), HyperParameter.number("momentum", 0.1, 0, true, 1, false)),
            List.of("weight", "bias"), List.of("running_mean", "running_var", "num_batches_tracked"), LayerKind.AFFINE,
            LayerKind.Limits.NONE.batchOfAtLeast(2, "the statistics of one example are meaningless (PyTorch refuses it too); "
                    + "use layer_norm for batches of 1"),
            (in, options, body) -> new BatchNorm(in, options.number("eps"), options.number("momentum")));
    /**
     * Below this many examples per batch the batch statistics are too noisy to normalize with
     * (batch norm's error grows sharply under 16, Wu and He 2018, "Group Normalization"); the
     * service warns and counts such steps ({@code streamfit_batch_norm_small_batch_steps_total}).
     */
    public static final int MEANINGFUL_BATCH = 16;
    private final double eps;
    private final double momentum;
    private INDArray runningMean;
    private INDArray runningVar;
    private INDArray batchesTracked;
    // The last training batch (training thread only).
    private INDArray xhat;
    private INDArray rstd;
    private INDArray batchMean;
    private INDArray batchVarUnbiased;

    public BatchNorm(int width, double eps, double momentum) {
        super(KIND.name(), width);
        if (!(eps > 0) || !(momentum > 0 && momentum <= 1)) {
            throw new IllegalArgumentException("batch norm needs eps > 0 and momentum in (0, 1], got " + eps + ", " + momentum);
        }
        this.eps = eps;
        this.momentum = momentum;
    }

    @Override
    public List<ParamShape> bufferShapes() {
        return List.of(
                new ParamShape("running_mean", new long[] {width}, Init.ZEROS),
                new ParamShape("running_var", new long[] {width}, Init.ONES),
                new ParamShape("num_batches_tracked", new long[0], Init.ZEROS));
    }

    @Override
    public void bindBuffers(List<INDArray> buffers) {
        runningMean = buffers.get(0);
        runningVar = buffers.get(1);
        batchesTracked = buffers.get(2);
    }

    @Override
    public boolean trainingDiffers() {
        return true;
    }

    /** Prediction: normalizes with the running statistics. */
    @Override
    public INDArray forward(INDArray x, INDArray out) {
        INDArray scale = Transforms.pow(runningVar.add(eps), -0.5, false).muli(weight);
        INDArray y = out == null ? x.subRowVector(runningMean) : out.assign(x).subiRowVector(runningMean);
        return y.muliRowVector(scale).addiRowVector(bias);
    }

    @Override
    public INDArray forwardTraining(INDArray x, INDArray out, SplitMix64 rng) {
        long n = x.rows();
        if (n < 2) {
            throw new IllegalArgumentException("batch norm in training needs at least 2 examples per batch, got " + n);
        }
        batchMean = x.mean(true, 0);
        INDArray centered = x.subRowVector(batchMean);
        INDArray biasedVar = centered.mul(centered).mean(true, 0);
        batchVarUnbiased = biasedVar.mul((double) n / (n - 1));
        rstd = Transforms.pow(biasedVar.addi(eps), -0.5, false);
        xhat = centered.muliRowVector(rstd);
        INDArray y = out == null ? xhat.dup() : out.assign(xhat);
        return y.muliRowVector(weight).addiRowVector(bias);
    }

    /**
     * {@code dx = rstd * (g - mean(g) - xhat * mean(g * xhat))} with {@code g = dy * weight}, means
     * over the batch; {@code dweight = sum(dy * xhat)}, {@code dbias = sum(dy)}.
     */
    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        dy.mul(xhat).sum(dWeight, 0);
        dy.sum(dBias, 0);
        if (dx == null) {
            return null;
        }
        INDArray g = dy.mulRowVector(weight);
        INDArray meanG = g.mean(true, 0);
        INDArray meanGx = g.mul(xhat).mean(true, 0);
        INDArray result = g.subiRowVector(meanG).subi(xhat.mulRowVector(meanGx)).muliRowVector(rstd);
        return dx.assign(result);
    }

    @Override
    public void commitTrainingStep() {
        if (batchMean == null) {
            return;
        }
        runningMean.muli(1 - momentum).addi(batchMean.reshape(width).mul(momentum));
        runningVar.muli(1 - momentum).addi(batchVarUnbiased.reshape(width).mul(momentum));
        batchesTracked.addi(1);
        batchMean = null;
        batchVarUnbiased = null;
    }
}
