package io.streamfit.landscape;

import io.streamfit.nn.BatchNorm;
import io.streamfit.nn.Loss;
import io.streamfit.nn.Network;
import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelFactory;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The data loss of one model on a fixed set of held-out rows, as a function of its flat parameter
 * vector: {@code L(theta) = (1/n) sum_r loss(f(x_r; theta), y_r)}, and its gradient. Owns a float64
 * copy of the model (whatever type the live model trains in), so the landscape and the
 * finite-difference Hessian products of {@link Sharpness} are not limited by float32's 7 digits.
 *
 * <p>{@code L} is what the model's training step minimizes on a batch of these rows
 * ({@code train.ModelState}), with these differences, each so that {@code L} is one deterministic
 * function of {@code theta}:
 *
 * <ul>
 *   <li><b>Training-mode forward pass, with the same randomness at every point.</b> Each evaluation
 *       draws dropout masks and Gaussian noise from a fresh {@code new SplitMix64(seed)}, so every
 *       point of a plot sees the same masks: the surface is that of one fixed sub-network.
 *       Redrawing masks per point would add noise of the order of the loss differences being
 *       plotted, and would make the finite differences of {@link Sharpness} meaningless. (Li et
 *       al.'s code evaluates in PyTorch's {@code eval()} mode instead, without dropout and with
 *       batch norm's running statistics; for a network whose layers behave the same in training
 *       and prediction the two agree.)
 *   <li><b>Batch norm uses the rows' own statistics</b> (training mode), consistently at every
 *       point, not the running statistics: that is the function the gradient steps see, and the
 *       running statistics do not depend on {@code theta} at all. Running statistics and online
 *       input scalers' statistics are never updated here ({@link Network#commitTrainingStep} is
 *       never called), so they stay those of the copied {@code buffers}. Batch statistics need
 *       at least 2 rows, which the constructor checks.
 *   <li><b>The data loss only:</b> no L1/L2 penalty or weight decay, no distillation term, no
 *       augmentation (mixup, shifts) and no gradient clipping.
 *   <li><b>Frozen tensors</b> (the spec's {@code freeze}) are coordinates of {@code theta} like any
 *       other here; {@link #frozenRanges()} names them, and {@link Sharpness} and
 *       {@link Directions#filterNormalized(LossSurface, SplitMix64)} leave them out, since training
 *       never moves along them.
 * </ul>
 *
 * <p>Not thread-safe: every evaluation rewrites the one copied network's parameters and activation
 * buffers.
 */
public final class LossSurface {
    private final Network net;
    private final Loss loss;
    private final INDArray x;
    private final float[] targets;
    private final long seed;
    private final INDArray center;
    private final List<long[]> frozen;
    private final INDArray outputGrad;

    /**
     * @param spec the model's spec (its layers, loss and {@code freeze} list)
     * @param params a copy of the live model's {@code network().params()}, any data type
     * @param buffers a copy of its {@code network().buffers()} (running statistics), any data type
     * @param x the held-out rows {@code [n, inputWidth]}
     * @param targets row-major targets in the form the model's {@link Loss} takes ({@code n x outputs}
     *     values, or one class index per row)
     * @param seed the seed of the generator every evaluation starts afresh (dropout, noise)
     */
    public LossSurface(ModelSpec spec, INDArray params, INDArray buffers, INDArray x, float[] targets, long seed) {
        this.net = ModelFactory.network(spec, DataType.DOUBLE);
        this.loss = ModelFactory.loss(spec);
        requireLength("params", params, net.params().length());
        requireLength("buffers", buffers, net.buffers().length());
        if (x.rank() != 2 || x.columns() != net.inWidth() || x.rows() < 1) {
            throw new IllegalArgumentException("x must be [n >= 1, " + net.inWidth() + "], got " + shape(x));
        }
        if (x.rows() < 2 && net.anyLayer(l -> l instanceof BatchNorm)) {
            throw new IllegalArgumentException("batch norm in training mode needs at least 2 rows");
        }
        this.center = params.reshape(params.length()).castTo(DataType.DOUBLE).dup('c');
        net.params().assign(center);
        net.buffers().assign(buffers.reshape(buffers.length()).castTo(DataType.DOUBLE));
        this.x = x.castTo(DataType.DOUBLE).dup('c');
        this.targets = targets.clone();
        this.seed = seed;
        this.frozen = List.copyOf(ModelFactory.frozenRanges(spec, net));
        this.outputGrad = Nd4j.create(DataType.DOUBLE, x.rows(), net.outWidth());
    }

    /** The mean data loss over the rows at parameters {@code theta}. */
    public double loss(INDArray theta) {
        return evaluate(theta, false);
    }

    /** The gradient of {@link #loss} at {@code theta}, a new float64 vector laid out like {@code theta}. */
    public INDArray gradient(INDArray theta) {
        evaluate(theta, true);
        return net.grads().dup();
    }

    private double evaluate(INDArray theta, boolean withGradient) {
        requireLength("theta", theta, net.params().length());
        INDArray flat = theta.reshape(theta.length());
        net.params().assign(flat.dataType() == DataType.DOUBLE ? flat : flat.castTo(DataType.DOUBLE));
        INDArray[] acts = net.forward(x, new SplitMix64(seed));
        Loss.Result r = loss.evaluate(acts[acts.length - 1], targets, withGradient ? outputGrad : null);
        if (withGradient) {
            net.backward(acts, outputGrad);
        }
        return r.lossSum() / x.rows();
    }

    /** A copy of the parameters the surface was built with, float64. */
    public INDArray center() {
        return center.dup();
    }

    /** Length of the parameter vectors {@link #loss} and {@link #gradient} take. */
    public long parameterCount() {
        return net.params().length();
    }

    /** The held-out rows' count. */
    public long rows() {
        return x.rows();
    }

    /**
     * The float64 network whose tensor layout ({@link Network#tensors()}) the parameter vectors
     * follow. Its parameter values are those of the last evaluation: read its layout, not its values.
     */
    public Network network() {
        return net;
    }

    /** {@code [from, to)} ranges of {@code theta} that the spec freezes (training never changes them). */
    public List<long[]> frozenRanges() {
        return frozen;
    }

    /** Sets the frozen coordinates of {@code v} to zero, in place; returns {@code v}. */
    public INDArray zeroFrozen(INDArray v) {
        for (long[] r : frozen) {
            v.get(NDArrayIndex.interval(r[0], r[1])).assign(0);
        }
        return v;
    }

    private static void requireLength(String what, INDArray a, long length) {
        if (a.length() != length) {
            throw new IllegalArgumentException(what + " must have " + length + " elements, got " + a.length());
        }
    }

    private static String shape(INDArray a) {
        return Arrays.toString(a.shape());
    }
}
