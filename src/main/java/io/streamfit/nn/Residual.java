package io.streamfit.nn;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A residual (skip) block, {@code y = x + body(x)} (He et al. 2016, "Deep Residual Learning"):
 * the identity path carries the signal and its gradient past the body unchanged, which keeps
 * deep stacks trainable. The body is any chain of layers that ends at the input's width.
 *
 * <pre>
 *   forward:   y  = x + body(x)
 *   backward:  dx = dy + J_body(x)^T dy
 * </pre>
 *
 * Tensors are named as the PyTorch module {@code Residual(body=nn.Sequential(...))} names them:
 * {@code i.body.j.weight} (see {@code src/test/python/load_state_dict.py}), so snapshots load
 * with {@code load_state_dict}. Like {@link Dropout}, the block keeps its body's last training
 * activations between {@link #forwardTraining} and {@link #backward} (training thread only);
 * {@link #forward} keeps nothing.
 */
public final class Residual implements Layer {
    /** Residual blocks inside residual blocks deeper than this are refused (and keep recursion shallow). */
    public static final int MAX_DEPTH = 4;

    /** {@code x + body(x)}; a spec gives the body as the block's {@code layers}. */
    public static final LayerKind KIND = new LayerKind("residual", "x + body(x)", LayerKind.Role.CONTAINER, List.of(),
            List.of(), List.of(), LayerKind.SAME_WIDTH, LayerKind.Limits.NONE, (in, options, body) -> new Residual(in, body));

    private final int width;
    private final List<Layer> body;
    private final LayerChain chain;
    private INDArray[] lastActs;

    public Residual(int width, List<Layer> body) {
        if (body.isEmpty()) {
            throw new IllegalArgumentException("a residual block needs at least one layer in its body");
        }
        if (body.get(0).inWidth() != width || body.get(body.size() - 1).outWidth() != width) {
            throw new IllegalArgumentException("a residual body must map width " + width + " to itself, got "
                    + body.get(0).inWidth() + " -> " + body.get(body.size() - 1).outWidth());
        }
        this.width = width;
        this.body = List.copyOf(body);
        this.chain = new LayerChain(this.body);
    }

    /** The body's layers, in order. */
    public List<Layer> body() {
        return body;
    }

    @Override
    public String kind() {
        return KIND.name();
    }

    @Override
    public int inWidth() {
        return width;
    }

    @Override
    public int outWidth() {
        return width;
    }

    @Override
    public List<ParamShape> paramShapes() {
        return prefixed(false);
    }

    @Override
    public List<ParamShape> bufferShapes() {
        return prefixed(true);
    }

    /** The body's tensors as {@code body.j.name}, each keeping its own layer's fan-in. */
    private List<ParamShape> prefixed(boolean buffers) {
        List<ParamShape> out = new ArrayList<>();
        for (int j = 0; j < body.size(); j++) {
            Layer layer = body.get(j);
            for (ParamShape p : buffers ? layer.bufferShapes() : layer.paramShapes()) {
                out.add(new ParamShape("body." + j + "." + p.name(), p.shape(), p.init(),
                        p.fanIn() > 0 ? p.fanIn() : layer.inWidth()));
            }
        }
        return out;
    }

    @Override
    public void bind(List<INDArray> params, List<INDArray> grads) {
        int at = 0;
        for (Layer layer : body) {
            int n = layer.paramShapes().size();
            layer.bind(params.subList(at, at + n), grads.subList(at, at + n));
            at += n;
        }
    }

    @Override
    public void bindBuffers(List<INDArray> buffers) {
        int at = 0;
        for (Layer layer : body) {
            int n = layer.bufferShapes().size();
            layer.bindBuffers(buffers.subList(at, at + n));
            at += n;
        }
    }

    @Override
    public boolean trainingDiffers() {
        return body.stream().anyMatch(Layer::trainingDiffers);
    }

    @Override
    public void commitTrainingStep() {
        body.forEach(Layer::commitTrainingStep);
    }

    @Override
    public INDArray forward(INDArray x, INDArray out) {
        INDArray b = chain.predict(x);
        return out == null ? b.add(x) : out.assign(b).addi(x);
    }

    @Override
    public INDArray forwardTraining(INDArray x, INDArray out, SplitMix64 rng) {
        lastActs = chain.forward(x, rng);
        INDArray b = lastActs[lastActs.length - 1];
        return out == null ? b.add(x) : out.assign(b).addi(x);
    }

    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        if (lastActs == null || lastActs[0] != x) {
            throw new IllegalStateException("residual backward without the matching forwardTraining");
        }
        if (dx != null) {
            dx.assign(dy); // the identity path, copied before the body's backward may reuse dy
        }
        INDArray dBody = chain.backward(lastActs, dy, dx != null);
        return dx == null ? null : dx.addi(dBody);
    }
}
