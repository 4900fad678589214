package io.streamfit.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One module of a {@link Network}, in the sense of a {@code torch.nn.Sequential} entry.
 *
 * <p>A layer is bound once to views of the network's flat parameter and gradient buffers
 * ({@link #bind}); it keeps no per-call state, so {@link #forward} may run on a serving thread
 * while the training thread runs {@link #forward}/{@link #backward} on its own inputs. Call order
 * on the training thread: {@code forward(x)} then {@code backward(x, y, dy)} with the same
 * {@code x} and the {@code y} that forward returned; backward <em>overwrites</em> the layer's
 * parameter gradients (it does not accumulate).
 */
public interface Layer {

    /** Spec name of the layer kind, e.g. {@code dense}. */
    String kind();

    int inWidth();

    int outWidth();

    /** Parameter tensors in PyTorch's order and naming ({@code weight} before {@code bias}). */
    List<ParamShape> paramShapes();

    /** Receives views of the flat buffers, in the order of {@link #paramShapes()}. */
    void bind(List<INDArray> params, List<INDArray> grads);

    /** {@code x} is {@code [batch, inWidth]}; returns a new {@code [batch, outWidth]} array. */
    INDArray forward(INDArray x);

    /**
     * Writes this layer's parameter gradients and returns dL/dx (or {@code null} when
     * {@code needInputGrad} is false, which saves the first layer's largest GEMM).
     */
    INDArray backward(INDArray x, INDArray y, INDArray dy, boolean needInputGrad);

    /** A parameter's name within the layer ({@code weight}, {@code bias}) and its shape. */
    record ParamShape(String name, long[] shape, Init init) {
        public long length() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** How a parameter is initialized before the first step. */
    enum Init {
        /** PyTorch's {@code nn.Linear} default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
        LINEAR_DEFAULT,
        ONES,
        ZEROS
    }
}
