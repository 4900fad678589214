package io.streamfit.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A recurrent layer, {@code nn.RNN}, {@code nn.LSTM} or {@code nn.GRU} with
 * {@code batch_first=True} followed by a many-to-one reduction ({@link RecurrentKinds} has the
 * options). Its input is a batch of {@link SequenceRows} rows, each sequence of its own length;
 * its output one vector per sequence: the final states ({@code last}) or the mean of the top
 * layer's outputs over the sequence's steps ({@code mean}), {@code hidden_size} wide per
 * direction, forward before reverse as PyTorch concatenates them.
 *
 * <p>Tensors are PyTorch's, named and laid out as its {@code state_dict} ({@code weight_ih_l0}
 * {@code [gates*H, in]}, {@code weight_hh_l0} {@code [gates*H, H]}, {@code bias_ih_l0},
 * {@code bias_hh_l0}, then {@code _reverse}, then the next layer), so a snapshot loads into the
 * PyTorch module with {@code load_state_dict(strict=True)}. The arithmetic is float64 whatever the
 * model's dtype ({@code RecurrentReferenceTest} holds it to PyTorch's float64 to 1e-12); each
 * layer and direction is a {@link RecurrentDirection}.
 *
 * <p>Variational dropout (Gal and Ghahramani 2016) draws, per training batch and from the
 * model's generator (so a restored model draws the same masks), one mask per sequence for each
 * layer's input ({@code input_dropout}) and for each direction's state where it enters
 * {@code W_hh} ({@code recurrent_dropout}), kept until {@link #backward}. Like {@link Dropout},
 * that is the only state kept between calls, on the training thread; {@link #forward} keeps none.
 */
public final class Recurrent implements Layer {

    /** The layer's options beyond its cell and widths; {@code forgetBias} NaN: PyTorch's draw. */
    public record Options(int hiddenSize, int numLayers, boolean bidirectional, boolean mean, double inputDropout,
            double recurrentDropout, int truncate, boolean orthogonalHh, double forgetBias) {}

    private final RecurrentCell cell;
    private final int width;
    private final int features;
    private final int steps;
    private final Options o;
    private final int dirs;
    private final RecurrentDirection[][] layers;
    private Pass training;

    public Recurrent(RecurrentCell cell, int width, int features, Options options) {
        if (features < 1 || width < 2 || (width - 1) % features != 0) {
            throw new IllegalArgumentException("a sequence row of width " + width + " does not hold whole steps of "
                    + features + " values and a length");
        }
        this.cell = cell;
        this.width = width;
        this.features = features;
        this.steps = SequenceRows.steps(width, features);
        this.o = options;
        this.dirs = options.bidirectional() ? 2 : 1;
        this.layers = new RecurrentDirection[options.numLayers()][dirs];
        for (int l = 0; l < options.numLayers(); l++) {
            for (int d = 0; d < dirs; d++) {
                layers[l][d] = new RecurrentDirection(cell, d == 1, l == 0 ? features : options.hiddenSize() * dirs,
                        options.hiddenSize());
            }
        }
    }

    @Override
    public String kind() {
        return switch (cell) {
            case LSTM -> RecurrentKinds.LSTM.name();
            case GRU -> RecurrentKinds.GRU.name();
            default -> RecurrentKinds.RNN.name();
        };
    }

    @Override
    public int inWidth() {
        return width;
    }

    @Override
    public int outWidth() {
        return o.hiddenSize() * dirs;
    }

    public int steps() {
        return steps;
    }

    @Override
    public List<ParamShape> paramShapes() {
        List<String> names = RecurrentKinds.names(o.numLayers(), o.bidirectional());
        List<ParamShape> out = new ArrayList<>();
        int h = o.hiddenSize(), g = cell.gates * h;
        for (int i = 0; i < names.size(); i++) {
            RecurrentDirection rd = layers[i / (4 * dirs)][(i / 4) % dirs];
            long[] shape = switch (i % 4) {
                case 0 -> new long[] {g, rd.in};
                case 1 -> new long[] {g, h};
                default -> new long[] {g};
            };
            out.add(new ParamShape(names.get(i), shape, Init.LINEAR_DEFAULT, h)); // PyTorch: every tensor U(+-1/sqrt(H))
        }
        return out;
    }

    /** {@code hh_init: orthogonal} for {@code weight_hh}, {@code forget_bias} for the LSTM's biases; else PyTorch's default. */
    @Override
    public Initializer initializer(ParamShape p) {
        int h = o.hiddenSize();
        Initializer uniform = Initializer.linearDefault(h);
        if (o.orthogonalHh() && p.name().startsWith("weight_hh")) {
            return (out, shape, rng) -> {
                float[] block = new float[h * h];
                for (int g = 0; g < cell.gates; g++) {
                    Initializer.orthogonal(1.0).fill(block, new long[] {h, h}, rng);
                    System.arraycopy(block, 0, out, g * h * h, h * h);
                }
            };
        }
        if (cell == RecurrentCell.LSTM && !Double.isNaN(o.forgetBias()) && p.name().startsWith("bias_")) {
            float value = p.name().startsWith("bias_ih") ? (float) o.forgetBias() : 0f;
            return (out, shape, rng) -> {
                uniform.fill(out, shape, rng); // the same draws as without, then the forget gate's slice
                Arrays.fill(out, h, 2 * h, value);
            };
        }
        return null;
    }

    @Override
    public void bind(List<INDArray> params, List<INDArray> grads) {
        for (int l = 0, i = 0; l < layers.length; l++) {
            for (int d = 0; d < dirs; d++, i += 4) {
                layers[l][d].bind(params.subList(i, i + 4).toArray(INDArray[]::new),
                        grads.subList(i, i + 4).toArray(INDArray[]::new));
            }
        }
    }

    @Override
    public boolean trainingDiffers() {
        return o.inputDropout() > 0 || o.recurrentDropout() > 0;
    }

    /** Prediction runs at most this many sequences at a time ({@link #predictChunk()} may be fewer). */
    static final int PREDICT_CHUNK = 256;
    /** What one prediction chunk may keep, so that a request's memory does not grow with its size. */
    static final long PREDICT_BYTES = 256L << 20;

    /** Sequences per prediction chunk: up to {@link #PREDICT_CHUNK}, within {@link #PREDICT_BYTES}, at least 1. */
    int predictChunk() {
        long perSequence = trainingBytes(1, steps, features, cell.gates, o.hiddenSize(), o.numLayers(), o.bidirectional());
        return (int) Math.max(1, Math.min(PREDICT_CHUNK, PREDICT_BYTES / perSequence));
    }

    @Override
    public INDArray forward(INDArray x, INDArray out) {
        int n = (int) x.rows(), chunk = predictChunk();
        if (n <= chunk) {
            return run(new Pass(this, n, x.dataType()), x, out);
        }
        INDArray result = out != null ? out : Nd4j.create(x.dataType(), n, outWidth());
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            INDArray part = run(new Pass(this, to - from, x.dataType()),
                    x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()),
                    null);
            result.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).assign(part);
        }
        return result;
    }

    /**
     * About the bytes a training batch of {@code batch} sequences keeps, in doubles: per step and
     * sequence, for each layer and direction the input projection, gates and their two gradients
     * ({@code 4 x gates x H}), its ND4J copies ({@code 2 x gates x H}) and four states
     * ({@code 4 x H}); and for each layer its input and output and their gradients
     * ({@code 4 x (F + dirs x H)}).
     */
    public static long trainingBytes(long batch, long steps, long features, int gates, long hidden, long layers,
            boolean bidirectional) {
        int dirs = bidirectional ? 2 : 1;
        long perStep = layers * dirs * (6L * gates * hidden + 4 * hidden) + layers * 4 * (features + dirs * hidden);
        return batch * steps * perStep * Double.BYTES;
    }

    @Override
    public INDArray forwardTraining(INDArray x, INDArray out, SplitMix64 rng) {
        int n = (int) x.rows();
        if (training == null || training.n != n || training.type != x.dataType()) {
            training = new Pass(this, n, x.dataType());
        }
        if (trainingDiffers()) {
            if (rng == null) {
                throw new IllegalStateException(kind() + " dropout needs the model's random generator in training");
            }
            training.drawMasks(this, rng);
        }
        return run(training, x, out);
    }

    /** Everything one call keeps: the lengths, each layer's float64 input and each direction's trace. */
    private static final class Pass {
        final int n;
        final DataType type;
        final int[] lengths;
        final INDArray[] inputs;
        final RecurrentDirection.Trace[][] traces;
        final double[][] outputs;
        final double[][] inputMasks;
        final double[][][] stateMasks;

        Pass(Recurrent r, int n, DataType type) {
            this.n = n;
            this.type = type;
            int layerCount = r.layers.length;
            lengths = new int[n];
            inputs = new INDArray[layerCount];
            traces = new RecurrentDirection.Trace[layerCount][r.dirs];
            outputs = new double[layerCount][];
            inputMasks = new double[layerCount][];
            stateMasks = new double[layerCount][r.dirs][];
            for (int l = 0; l < layerCount; l++) {
                inputs[l] = Nd4j.create(type, (long) n * r.steps, r.layers[l][0].in);
                outputs[l] = new double[Math.toIntExact((long) n * r.steps * r.outWidth())];
                for (int d = 0; d < r.dirs; d++) {
                    traces[l][d] = new RecurrentDirection.Trace(r.layers[l][d], n, r.steps, type);
                }
            }
        }

        void drawMasks(Recurrent r, SplitMix64 rng) {
            for (int l = 0; l < r.layers.length; l++) {
                inputMasks[l] = r.o.inputDropout() > 0 ? mask(n * r.layers[l][0].in, r.o.inputDropout(), rng) : null;
                for (int d = 0; d < r.dirs; d++) {
                    stateMasks[l][d] = r.o.recurrentDropout() > 0 ? mask(n * r.o.hiddenSize(), r.o.recurrentDropout(), rng)
                            : null;
                }
            }
        }

        private static double[] mask(int size, double p, SplitMix64 rng) {
            double[] m = new double[size];
            double keep = 1 / (1 - p);
            for (int i = 0; i < size; i++) {
                m[i] = rng.nextDouble() < p ? 0 : keep;
            }
            return m;
        }
    }

    private INDArray run(Pass p, INDArray x, INDArray out) {
        int n = p.n, dh = outWidth();
        int size = Math.toIntExact((long) n * width);
        double[] raw = NativeDoubles.get(NativeDoubles.dense(x, x.dataType()), new double[size], size);
        double[] values = new double[n * steps * features];
        for (int row = 0; row < n; row++) {
            p.lengths[row] = SequenceRows.length(raw[row * width + steps * features], steps, row);
            System.arraycopy(raw, row * width, values, row * steps * features, steps * features);
        }
        for (int l = 0; l < layers.length; l++) {
            int in = layers[l][0].in;
            double[] src = l == 0 ? values : p.outputs[l - 1];
            double[] mask = p.inputMasks[l];
            double[] masked = mask == null ? src : new double[src.length];
            if (mask != null) {
                for (int row = 0; row < n; row++) {
                    for (int t = 0; t < steps; t++) {
                        int base = (row * steps + t) * in;
                        for (int j = 0; j < in; j++) {
                            masked[base + j] = src[base + j] * mask[row * in + j];
                        }
                    }
                }
            }
            NativeDoubles.put(masked, 0, n * steps * in, p.inputs[l]);
            double[] y = p.outputs[l];
            for (int d = 0; d < dirs; d++) {
                RecurrentDirection.Trace tr = layers[l][d].forward(p.traces[l][d], p.inputs[l], p.lengths, p.stateMasks[l][d]);
                int hs = o.hiddenSize();
                for (int row = 0; row < n; row++) {
                    for (int t = 0; t < steps; t++) {
                        int to = (row * steps + t) * dh + d * hs;
                        if (t < p.lengths[row]) {
                            System.arraycopy(tr.h, (t * n + row) * hs, y, to, hs);
                        } else {
                            Arrays.fill(y, to, to + hs, 0);
                        }
                    }
                }
            }
        }
        double[] result = reduce(p);
        INDArray r = Nd4j.create(result, new long[] {n, dh}, 'c').castTo(x.dataType());
        return out == null ? r : out.assign(r);
    }

    /** The top layer's final states or mean output, {@code [N, dirs * H]}. */
    private double[] reduce(Pass p) {
        int n = p.n, hs = o.hiddenSize(), dh = outWidth(), top = layers.length - 1;
        double[] result = new double[n * dh];
        for (int row = 0; row < n; row++) {
            if (o.mean()) {
                int len = p.lengths[row];
                for (int t = 0; t < len; t++) {
                    for (int j = 0; j < dh; j++) {
                        result[row * dh + j] += p.outputs[top][(row * steps + t) * dh + j];
                    }
                }
                for (int j = 0; j < dh; j++) {
                    result[row * dh + j] /= len;
                }
            } else {
                for (int d = 0; d < dirs; d++) {
                    int t = d == 0 ? steps - 1 : 0; // the forward direction's state stays after its sequence ends
                    System.arraycopy(p.traces[top][d].h, (t * n + row) * hs, result, row * dh + d * hs, hs);
                }
            }
        }
        return result;
    }

    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        Pass p = training;
        int n = p.n, hs = o.hiddenSize(), dh = outWidth(), top = layers.length - 1;
        double[] dOut = NativeDoubles.get(NativeDoubles.dense(dy, dy.dataType()), new double[n * dh], n * dh);
        double[] dSteps = null;
        double[][] dLast = new double[dirs][];
        if (o.mean()) {
            dSteps = new double[n * steps * dh];
            for (int row = 0; row < n; row++) {
                int len = p.lengths[row];
                for (int t = 0; t < len; t++) {
                    for (int j = 0; j < dh; j++) {
                        dSteps[(row * steps + t) * dh + j] = dOut[row * dh + j] / len;
                    }
                }
            }
        } else {
            for (int d = 0; d < dirs; d++) {
                dLast[d] = new double[n * hs];
                for (int row = 0; row < n; row++) {
                    System.arraycopy(dOut, row * dh + d * hs, dLast[d], row * hs, hs);
                }
            }
        }
        for (int l = top; l >= 0; l--) {
            boolean inputGradient = l > 0 || dx != null;
            int in = layers[l][0].in;
            double[] dIn = inputGradient ? new double[n * steps * in] : null;
            double[] g = inputGradient ? new double[n * steps * in] : null;
            for (int d = 0; d < dirs; d++) {
                INDArray gd = layers[l][d].backward(p.traces[l][d], dSteps, dh, d * hs, l == top ? dLast[d] : null, o.truncate(),
                        inputGradient);
                if (gd != null) {
                    NativeDoubles.get(gd, g, g.length);
                    for (int k = 0; k < g.length; k++) {
                        dIn[k] += g[k];
                    }
                }
            }
            double[] mask = p.inputMasks[l];
            if (dIn != null && mask != null) {
                for (int k = 0; k < dIn.length; k++) {
                    int row = k / (steps * in);
                    dIn[k] *= mask[row * in + k % in];
                }
            }
            dSteps = dIn;
        }
        if (dx == null) {
            return null;
        }
        double[] full = new double[n * width];
        for (int row = 0; row < n; row++) {
            System.arraycopy(dSteps, row * steps * features, full, row * width, steps * features);
        }
        return dx.assign(Nd4j.create(full, new long[] {n, width}, 'c').castTo(dx.dataType()));
    }
}
