package io.streamfit.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A feed-forward stack of layers, the equivalent of {@code torch.nn.Sequential}.
 *
 * <p>All parameters live in one flat buffer and all gradients in another, each tensor a view
 * into them. That makes the optimizer, the gradient norm and snapshotting single passes over
 * contiguous memory instead of dozens of small ND4J calls (each costs 6-25 us here). Tensor names
 * follow {@code nn.Sequential}: the {@code i}-th module's parameters are {@code "i.weight"} and
 * {@code "i.bias"} (inside a {@link Residual} block, {@code "i.body.j.weight"}), so a snapshot
 * loads into the equivalent PyTorch model with {@code load_state_dict}.
 *
 * <p>Thread-safety: {@link #predict} may run concurrently with training only if the caller keeps
 * the parameters from changing meanwhile (see {@code train.ModelState}).
 */
public final class Network {
    private final List<Layer> layers;
    private final DataType dataType;
    private final INDArray params;
    private final INDArray grads;
    private final List<ParamTensor> tensors;
    private final INDArray buffers;
    private final List<ParamTensor> bufferTensors;
    private final List<Layer.Init> bufferInits = new ArrayList<>();
    private final LayerChain chain;

    public Network(List<Layer> layers, DataType dataType) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer");
        }
        this.layers = List.copyOf(layers);
        this.chain = new LayerChain(this.layers);
        this.dataType = dataType;
        long total = 0;
        for (Layer layer : layers) {
            for (Layer.ParamShape p : layer.paramShapes()) {
                total += p.length();
            }
        }
        this.params = Nd4j.zeros(dataType, Math.max(total, 1));
        this.grads = Nd4j.zeros(dataType, Math.max(total, 1));
        List<ParamTensor> named = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            List<INDArray> pv = new ArrayList<>();
            List<INDArray> gv = new ArrayList<>();
            for (Layer.ParamShape p : layer.paramShapes()) {
                INDArray value = view(params, offset, p);
                INDArray grad = view(grads, offset, p);
                named.add(new ParamTensor(i + "." + p.name(), p.shape(), offset, p.length(), value, grad));
                pv.add(value);
                gv.add(grad);
                offset += p.length();
            }
            layer.bind(pv, gv);
        }
        this.tensors = Collections.unmodifiableList(named);
        long bufferTotal = 0;
        for (Layer layer : layers) {
            for (Layer.ParamShape b : layer.bufferShapes()) {
                bufferTotal += b.length();
            }
        }
        this.buffers = Nd4j.zeros(dataType, Math.max(bufferTotal, 1));
        List<ParamTensor> namedBuffers = new ArrayList<>();
        long at = 0;
        for (int i = 0; i < layers.size(); i++) {
            List<INDArray> views = new ArrayList<>();
            for (Layer.ParamShape b : layers.get(i).bufferShapes()) {
                INDArray value = view(buffers, at, b);
                namedBuffers.add(new ParamTensor(i + "." + b.name(), b.shape(), at, b.length(), value, null));
                bufferInits.add(b.init());
                views.add(value);
                at += b.length();
            }
            layers.get(i).bindBuffers(views);
        }
        this.bufferTensors = Collections.unmodifiableList(namedBuffers);
    }

    private static INDArray view(INDArray flat, long offset, Layer.ParamShape p) {
        INDArray v = flat.get(NDArrayIndex.interval(offset, offset + p.length()));
        // Scalars (shape []) stay one-element vectors in memory; ParamTensor keeps the real shape.
        return p.shape().length <= 1 ? v : v.reshape('c', p.shape());
    }

    /** Draws every parameter from its layer's default initializer (PyTorch's defaults). */
    public void initialize(SplitMix64 rng) {
        initialize(rng, Map.of());
    }

    /**
     * Draws every parameter, in tensor order, from {@code overrides.get(name)} where present and
     * from its layer's default (PyTorch's) otherwise; all draws come from {@code rng}.
     */
    public void initialize(SplitMix64 rng, Map<String, Initializer> overrides) {
        int t = 0;
        for (Layer layer : layers) {
            for (Layer.ParamShape p : layer.paramShapes()) {
                long fanIn = p.fanIn() > 0 ? p.fanIn() : layer.inWidth();
                ParamTensor tensor = tensors.get(t++);
                float[] values = new float[Math.toIntExact(p.length())];
                Initializer init = overrides.get(tensor.name());
                if (init == null) {
                    init = layer.initializer(p);
                }
                if (init == null) {
                    init = switch (p.init()) {
                        case LINEAR_DEFAULT -> Initializer.linearDefault(fanIn);
                        case ONES -> Initializer.constant(1);
                        case ZEROS -> Initializer.constant(0);
                        case IDENTITY -> throw new IllegalStateException("identity is for square buffers, not parameters");
                    };
                }
                init.fill(values, p.shape(), rng);
                tensor.value().assign(Nd4j.create(values, p.shape(), 'c').castTo(dataType));
            }
        }
        // Buffers start at their fixed values (zeros, ones, identity) and draw nothing from the generator.
        for (int i = 0; i < bufferTensors.size(); i++) {
            INDArray b = bufferTensors.get(i).value();
            switch (bufferInits.get(i)) {
                case ONES -> b.assign(1);
                case IDENTITY -> b.assign(Nd4j.eye(b.rows()).castTo(dataType));
                default -> b.assign(0);
            }
        }
    }

    /** The flat buffer storage (running statistics); buffer tensors are views into it. */
    public INDArray buffers() {
        return buffers;
    }

    /** Non-trainable tensors with PyTorch's names ({@code 1.running_mean}); their {@code grad} is null. */
    public List<ParamTensor> bufferTensors() {
        return bufferTensors;
    }

    /** See {@link Layer#commitTrainingStep()}. */
    public void commitTrainingStep() {
        for (Layer layer : layers) {
            layer.commitTrainingStep();
        }
    }

    public List<Layer> layers() {
        return layers;
    }

    public DataType dataType() {
        return dataType;
    }

    public int inWidth() {
        return layers.get(0).inWidth();
    }

    public int outWidth() {
        return layers.get(layers.size() - 1).outWidth();
    }

    /** The flat parameter buffer; tensors are views into it. */
    public INDArray params() {
        return params;
    }

    /** The flat gradient buffer, laid out like {@link #params()}. */
    public INDArray grads() {
        return grads;
    }

    public long paramCount() {
        return tensors.isEmpty() ? 0 : params.length();
    }

    public List<ParamTensor> tensors() {
        return tensors;
    }

    /** Inference-mode forward pass; allocates only activations. */
    public INDArray predict(INDArray x) {
        return chain.predict(x);
    }

    /** Training forward pass of a network without random layers; see {@link #forward(INDArray, SplitMix64)}. */
    public INDArray[] forward(INDArray x) {
        return forward(x, null);
    }

    /**
     * Training forward pass: returns all activations, {@code [0]} the input, last the output.
     * Layers that behave differently in training (dropout) draw from {@code rng}. Activations
     * live in buffers reused by the next call with the same batch size, so the returned arrays
     * are valid until then. Training thread only.
     */
    public INDArray[] forward(INDArray x, SplitMix64 rng) {
        return chain.forward(x, rng);
    }

    /** Whether any layer behaves differently in training than in prediction. */
    public boolean trainingDiffers() {
        return layers.stream().anyMatch(Layer::trainingDiffers);
    }

    /** Whether any layer, inside residual blocks too, satisfies {@code test}. */
    public boolean anyLayer(Predicate<Layer> test) {
        return anyLayer(layers, test);
    }

    private static boolean anyLayer(List<Layer> layers, Predicate<Layer> test) {
        return layers.stream().anyMatch(l -> test.test(l) || (l instanceof Residual r && anyLayer(r.body(), test)));
    }

    /** Backward pass from dL/dOutput; overwrites {@link #grads()}. Training thread only. */
    public void backward(INDArray[] acts, INDArray dOut) {
        chain.backward(acts, dOut, false);
    }
}
