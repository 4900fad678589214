package io.streamfit.nn;

import io.streamfit.hyper.HyperParameter;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Data augmentation by additive Gaussian noise (Keras' {@code GaussianNoise}; PyTorch has no
 * module for it): in training {@code y = x + N(0, std^2)} per element, fresh noise every step;
 * at prediction the identity. The noise is drawn from the model's {@link SplitMix64}, whose state
 * every snapshot carries, so a restored model continues with exactly the noise an uninterrupted
 * one would have drawn. Placed first, it perturbs the inputs; the gradient passes through
 * unchanged.
 */
public final class GaussianNoise extends SameWidthLayer {
    public static final LayerKind KIND = new LayerKind("gaussian_noise", "keras.layers.GaussianNoise",
            LayerKind.Role.REGULARIZATION, List.of(HyperParameter.number("std", null, 0, false, 1e6, false)), List.of(),
            List.of(), LayerKind.SAME_WIDTH, LayerKind.Limits.NONE,
            (in, options, body) -> new GaussianNoise(in, options.number("std")));
    private final double std;
    private float[] noise;

    public GaussianNoise(int width, double std) {
        super(KIND.name(), width);
        if (!(std >= 0 && Double.isFinite(std))) {
            throw new IllegalArgumentException("gaussian_noise std must be finite and >= 0, got " + std);
        }
        this.std = std;
    }

    @Override
    public boolean trainingDiffers() {
        return std > 0;
    }

    @Override
    public INDArray forward(INDArray x, INDArray out) {
        return out == null ? x : out.assign(x);
    }

    @Override
    public INDArray forwardTraining(INDArray x, INDArray out, SplitMix64 rng) {
        if (std == 0) {
            return forward(x, out);
        }
        if (rng == null) {
            throw new IllegalStateException("gaussian_noise needs the model's random generator in training");
        }
        int n = Math.toIntExact(x.length());
        if (noise == null || noise.length != n) {
            noise = new float[n];
        }
        for (int i = 0; i < n; i++) {
            noise[i] = (float) (std * rng.nextGaussian());
        }
        INDArray e = Nd4j.create(noise, x.shape(), 'c').castTo(x.dataType());
        return out == null ? x.add(e) : out.assign(x).addi(e);
    }

    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        return dx == null ? null : dx.assign(dy);
    }
}
