package io.streamfit.landscape;

import io.streamfit.nn.Network;
import io.streamfit.nn.ParamTensor;
import io.streamfit.nn.SplitMix64;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Directions to plot the loss along: filter-normalized random directions (Li et al. 2018,
 * "Visualizing the Loss Landscape of Neural Nets", section 4).
 *
 * <p>A plain Gaussian direction is meaningless to plot across networks, or across layers of one
 * network: a ReLU network's function does not change when a layer's weights are scaled by
 * {@code c} and the next layer's by {@code 1/c}, yet the same step {@code alpha d} is then a large
 * or a negligible change. Li et al. remove that scale: draw {@code d ~ N(0, I)} of the parameters'
 * dimension and rescale every filter of {@code d} to the norm of the same filter of {@code theta},
 *
 * <pre>
 *   d_{i,j}  <-  d_{i,j} / ||d_{i,j}|| * ||theta_{i,j}||      (filter j of layer i)
 * </pre>
 *
 * A filter is one output unit's incoming weights. A weight tensor here is laid out as PyTorch's,
 * output unit first ({@code nn.Linear}'s {@code [out, in]}, a convolution's {@code [out, in, kh, kw]}),
 * so filter {@code j} is the contiguous slice {@code j} along axis 0 (a row of a dense weight; Li et
 * al. treat a fully connected layer as a 1x1 convolution, one filter per neuron). Every 1-D tensor
 * (biases, the gains and shifts of batch and layer norm) is set to zero: "we do not perturb" them,
 * as the paper's code does with {@code ignore='biasbn'}. A filter of {@code theta} that is all zeros
 * gets a zero direction. Buffers (running statistics) are not parameters and have no coordinates.
 */
public final class Directions {
    private Directions() {}

    /**
     * A filter-normalized Gaussian direction for {@code net}'s tensor layout at parameters
     * {@code theta} (a flat vector as {@link Network#params()}); Gaussians drawn from {@code rng},
     * tensor by tensor, only for the coordinates that are perturbed. Returns a new float64 vector.
     */
    public static INDArray filterNormalized(Network net, INDArray theta, SplitMix64 rng) {
        if (theta.length() != net.params().length()) {
            throw new IllegalArgumentException("theta must have " + net.params().length() + " elements, got " + theta.length());
        }
        double[] t = theta.reshape(theta.length()).castTo(DataType.DOUBLE).toDoubleVector();
        double[] d = new double[t.length];
        for (ParamTensor tensor : net.tensors()) {
            if (tensor.shape().length < 2) {
                continue; // biases and normalization parameters: not perturbed
            }
            int filters = Math.toIntExact(tensor.shape()[0]);
            int size = Math.toIntExact(tensor.length() / filters);
            for (int f = 0; f < filters; f++) {
                int from = Math.toIntExact(tensor.offset()) + f * size;
                double gauss = 0;
                double target = 0;
                for (int i = from; i < from + size; i++) {
                    d[i] = rng.nextGaussian();
                    gauss += d[i] * d[i];
                    target += t[i] * t[i];
                }
                double scale = gauss > 0 ? Math.sqrt(target / gauss) : 0;
                for (int i = from; i < from + size; i++) {
                    d[i] *= scale;
                }
            }
        }
        return Nd4j.create(d, new long[] {d.length}, DataType.DOUBLE);
    }

    /**
     * {@link #filterNormalized(Network, INDArray, SplitMix64)} at the surface's center, with the
     * frozen tensors' coordinates set to zero too: the landscape of the parameters training moves.
     */
    public static INDArray filterNormalized(LossSurface surface, SplitMix64 rng) {
        return surface.zeroFrozen(filterNormalized(surface.network(), surface.center(), rng));
    }
}
