package io.streamfit.nn;

import io.streamfit.hyper.HyperParameter;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout, {@code torch.nn.Dropout(p)} (Srivastava et al. 2014): in training each
 * element is zeroed with probability {@code p} and the survivors are scaled by
 * {@code 1 / (1 - p)}, so the expected activation is unchanged; at prediction it is the identity.
 *
 * <pre>
 *   training:   m ~ Bernoulli(1 - p) per element,  y = x * m / (1 - p),  dx = dy * m / (1 - p)
 *   prediction: y = x
 * </pre>
 *
 * Masks are drawn from the model's {@link SplitMix64}, whose state every snapshot carries, so a
 * restored model draws exactly the masks an uninterrupted one would have (PyTorch's masks come
 * from its own generator and cannot be reproduced here; the distribution is the same).
 *
 * <p>Unlike other layers, this one keeps the last training mask between {@link #forwardTraining}
 * and {@link #backward}; both run on the training thread only, and {@link #forward} (prediction)
 * does not touch it.
 */
public final class Dropout extends SameWidthLayer {
    public static final LayerKind KIND = new LayerKind("dropout", "nn.Dropout", LayerKind.Role.REGULARIZATION,
            List.of(HyperParameter.number("p", 0.5, 0, false, 1, true)), List.of(), List.of(), LayerKind.SAME_WIDTH,
            LayerKind.Limits.NONE, (in, options, body) -> new Dropout(in, options.number("p")));
    private final double p;
    private float[] maskValues;
    private INDArray mask;

    public Dropout(int width, double p) {
        super(KIND.name(), width);
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout p must be in [0, 1), got " + p);
        }
        this.p = p;
    }

    public double p() {
        return p;
    }

    @Override
    public boolean trainingDiffers() {
        return p > 0;
    }

    /** Prediction: the identity. */
    @Override
    public INDArray forward(INDArray x, INDArray out) {
        if (out == null) {
            return x;
        }
        return out.assign(x);
    }

    @Override
    public INDArray forwardTraining(INDArray x, INDArray out, SplitMix64 rng) {
        if (p == 0) {
            mask = null;
            return forward(x, out);
        }
        if (rng == null) {
            throw new IllegalStateException("dropout needs the model's random generator in training");
        }
        int n = Math.toIntExact(x.length());
        if (maskValues == null || maskValues.length != n) {
            maskValues = new float[n];
        }
        float keep = (float) (1 / (1 - p));
        for (int i = 0; i < n; i++) {
            maskValues[i] = rng.nextDouble() < p ? 0f : keep;
        }
        mask = Nd4j.create(maskValues, x.shape(), 'c').castTo(x.dataType());
        if (out == null) {
            return x.mul(mask);
        }
        return x.mul(mask, out);
    }

    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        if (dx == null) {
            return null;
        }
        if (mask == null) {
            return dx.assign(dy);
        }
        return dy.mul(mask, dx);
    }
}
