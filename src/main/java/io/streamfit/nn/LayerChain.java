package io.streamfit.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training path through a chain of layers: forward keeping every activation, backward from
 * the output gradient, both into buffers reused while the batch size stays the same. Shared by
 * {@link Network} (the whole model) and {@link Residual} (a block's body). Training thread only.
 */
final class LayerChain {
    private final List<Layer> layers;
    private INDArray[] outBuffers;
    private INDArray[] inGradBuffers;
    private long bufferRows = -1;

    LayerChain(List<Layer> layers) {
        this.layers = layers;
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
            acts[i + 1] = layers.get(i).forwardTraining(acts[i], outBuffers[i], rng);
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
            d = layers.get(i).backward(acts[i], acts[i + 1], d, i > 0 || inputGradient ? inGradBuffers[i] : null);
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
