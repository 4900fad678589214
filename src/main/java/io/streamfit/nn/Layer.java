package io.streamfit.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One module of a {@link Network}, in the sense of a {@code torch.nn.Sequential} entry.
 *
 * <p>A layer is bound once to views of the network's flat parameter and gradient buffers
 * ({@link #bind}); it keeps no per-call state, so {@link #forward} may run on a serving thread
 * while the training thread runs {@link #forward}/{@link #backward} on its own inputs. Call order
 * on the training thread: {@code forward(x, out)} then {@code backward(x, y, dy, dx)} with the
 * same {@code x} and the {@code y} that forward returned; backward <em>overwrites</em> the layer's
 * parameter gradients (it does not accumulate).
 *
 * <p>{@code out} and {@code dx} are buffers the caller reuses from step to step (allocating a
 * native array costs 40-55 us here, as much as a small op); a layer writes its result into them
 * where it can and returns the array that holds the result.
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

    /**
     * {@code x} is {@code [batch, inWidth]}; returns {@code [batch, outWidth]}, written into
     * {@code out} when it is not null (it must not alias {@code x}).
     */
    INDArray forward(INDArray x, INDArray out);

    /** Inference convenience: forward into a new array. */
    default INDArray forward(INDArray x) {
        return forward(x, null);
    }

    /**
     * The training-mode forward pass; the same as {@link #forward} unless the layer behaves
     * differently in training (dropout), in which case it may draw from {@code rng}, the
     * model's generator.
     */
    default INDArray forwardTraining(INDArray x, INDArray out, SplitMix64 rng) {
        return forward(x, out);
    }

    /** Whether {@link #forwardTraining} differs from {@link #forward} (then prequential scoring needs its own pass). */
    default boolean trainingDiffers() {
        return false;
    }

    /**
     * Non-trainable state that belongs in snapshots (batch norm's running statistics), named
     * and shaped as PyTorch's buffers; a shape of length 0 is a scalar.
     */
    default List<ParamShape> bufferShapes() {
        return List.of();
    }

    /**
     * How tensor {@code p} starts when the spec does not say ({@code <name>_init}): null for its
     * {@link ParamShape#init()}; a layer with a default of its own (a recurrent layer's orthogonal
     * {@code weight_hh}) returns it here.
     */
    default Initializer initializer(ParamShape p) {
        return null;
    }

    /** Receives views of the network's buffer storage, in the order of {@link #bufferShapes()}. */
    default void bindBuffers(List<INDArray> buffers) {}

    /**
     * Applies the buffer updates of the last {@link #forwardTraining}; called once per applied
     * optimizer step, under the model's write lock, never for a skipped step.
     */
    default void commitTrainingStep() {}

    /**
     * Writes this layer's parameter gradients and returns dL/dx, written into {@code dx} where
     * possible; with {@code dx == null} the input gradient is not computed at all and null is
     * returned (saving the first layer's largest GEMM).
     */
    INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx);

    /**
     * A parameter's name within the layer ({@code weight}, {@code bias}) and its shape;
     * {@code fanIn} is the input width PyTorch's default initializer scales by, or 0 for the
     * declaring layer's {@link #inWidth()} (a container such as {@link Residual} sets it for the
     * tensors of its inner layers).
     */
    record ParamShape(String name, long[] shape, Init init, long fanIn) {
        public ParamShape(String name, long[] shape, Init init) {
            this(name, shape, init, 0);
        }

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
        ZEROS,
        /** The identity matrix (a square buffer such as a whitening matrix). */
        IDENTITY
    }
}
