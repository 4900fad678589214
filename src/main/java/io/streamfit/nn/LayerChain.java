package io.streamfit.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training path through a chain of layers: forward keeping every activation, backward from
 * the output gradient, both into buffers reused while the batch size stays the same. Shared by
 * {@link Network} (the whole model) and {@link Residual} (a block's body). Training thread only.
 *
 * <p>A {@link Dense} layer followed by a {@code relu} runs as one fused pair: the dense layer
 * writes {@code relu(x W^T + b)} and masks the gradient itself ({@link Dense#forwardTraining(INDArray,
 * INDArray, boolean)}), so the pair's two activations are the same array, the ReLU's output; the
 * ReLU layer's own buffers hold the masked gradient. Prediction runs every layer on its own.
 */
final class LayerChain {
    private final List<Layer> layers;
    /** {@code reluAfter[i]}: layer {@code i} is a dense layer fused with the relu at {@code i + 1}. */
    private final boolean[] reluAfter;
    private INDArray[] outBuffers;
    private INDArray[] inGradBuffers;
    private long bufferRows = -1;

    LayerChain(List<Layer> layers) {
        this.layers = layers;
        this.reluAfter = new boolean[layers.size()];
        for (int i = 0; i + 1 < layers.size(); i++) {
            reluAfter[i] = layers.get(i) instanceof Dense && layers.get(i + 1) instanceof Activation a
                    && a.activation() == Activation.Kind.RELU;
        }
    }

    /** Inference-mode pass; allocates only activations and keeps nothing, so any thread may call it. */
    INDArray predict(INDArray x) {
        INDArray a = x;
        for (Layer layer : layers) {
            a = layer.forward(a);
        }
        return a;
    }

    /**
     * Training pass: returns all activations, {@code [0]} the input, last the output, valid
     * until the next call with the same batch size.
     */
    INDArray[] forward(INDArray x, SplitMix64 rng) {
        ensureBuffers(x);
        INDArray[] acts = new INDArray[layers.size() + 1];
        acts[0] = x;
        for (int i = 0; i < layers.size(); i++) {
            if (reluAfter[i]) {
                acts[i + 1] = ((Dense) layers.get(i)).forwardTraining(acts[i], outBuffers[i], true);
                acts[i + 2] = acts[i + 1];
                i++;
            } else {
                acts[i + 1] = layers.get(i).forwardTraining(acts[i], outBuffers[i], rng);
            }
        }
        return acts;
    }

    /**
     * Backward from dL/dOutput through the activations {@link #forward} returned; writes every
     * layer's parameter gradients and returns dL/dInput, or null when {@code inputGradient} is
     * false (the first layer then skips computing it).
     */
    INDArray backward(INDArray[] acts, INDArray dOut, boolean inputGradient) {
        ensureBuffers(acts[0]);
        INDArray d = dOut;
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (i > 0 && reluAfter[i - 1]) {
                // the fused pair: the dense layer applies the ReLU's mask (into the ReLU's buffer)
                d = ((Dense) layers.get(i - 1)).backward(acts[i - 1], d, i > 1 || inputGradient ? inGradBuffers[i - 1] : null,
                        acts[i + 1], inGradBuffers[i]);
                i--;
            } else {
                d = layers.get(i).backward(acts[i], acts[i + 1], d, i > 0 || inputGradient ? inGradBuffers[i] : null);
            }
        }
        return d;
    }

    private void ensureBuffers(INDArray x) {
        long rows = x.rows();
        if (rows == bufferRows && outBuffers[0].dataType() == x.dataType()) {
            return;
        }
        outBuffers = new INDArray[layers.size()];
        inGradBuffers = new INDArray[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            outBuffers[i] = Nd4j.create(x.dataType(), rows, layers.get(i).outWidth());
            inGradBuffers[i] = Nd4j.create(x.dataType(), rows, layers.get(i).inWidth());
        }
        bufferRows = rows;
    }
}
