package io.streamfit.nn;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperValues;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Everything the rest of streamfit needs to know about one kind of layer, declared once, in the
 * layer's own class: its spec name, what it matches (a {@code torch.nn} module, or the library
 * whose behaviour it reproduces where PyTorch has none), its options (PyTorch's names and
 * defaults, with bounds), the tensors it keeps (trainable parameters and non-trainable buffers,
 * named as in PyTorch's {@code state_dict} and in snapshots), its widths and parameter shapes,
 * the limits it puts on the input width and the batch size, and how to build it. The spec parser
 * and the model factory read it; the snapshot codec writes the tensors of the layers built from
 * it, and {@code LayerKindsTest} checks that a built layer has exactly the tensors, shapes and
 * widths its kind declares, and that the docs' layer table lists them. Adding a layer is its
 * class with a {@code KIND} and one line in {@link Layers}.
 *
 * @param matches    the {@code torch.nn} module it reproduces, or the library and class it follows
 * @param options    its options, in the order the docs list them
 * @param parameters its trainable tensors, in {@code state_dict} order; each takes an
 *     {@code <name>_init} option in a spec
 * @param buffers    its non-trainable tensors (running statistics), in {@code state_dict} order
 */
public record LayerKind(String name, String matches, Role role, List<HyperParameter> options, List<String> parameters,
        List<String> buffers, Sizing sizing, Limits limits, Factory factory) {

    /** Widest input or output a spec may declare. */
    public static final int MAX_WIDTH = 1_000_000;

    /** What a layer does, which decides how the rest of streamfit treats it. */
    public enum Role {
        /** An affine map with a weight matrix ({@code dense}). */
        LINEAR,
        /** An elementwise nonlinearity without parameters. */
        ACTIVATION,
        /** A gain {@code weight} and shift {@code bias} after normalizing: the regularization group's {@code norm}. */
        NORMALIZATION,
        /** Online input scaling whose statistics are buffers. */
        PREPROCESSING,
        /** Active in training only (dropout, noise); the identity at prediction. */
        REGULARIZATION,
        /** A block around a body of other layers ({@code residual}, the spec's {@code layers} key). */
        CONTAINER,
        /** Reads a sequence row ({@link SequenceRows}) and returns one vector per example ({@code rnn}, {@code lstm}, {@code gru}). */
        RECURRENT
    }

    /** The layer's output width and parameter shapes for an input width and options, known before it is built. */
    public interface Sizing {
        long outWidth(long inWidth, HyperValues options);

        /** The shapes of {@link #parameters()}, in the same order. */
        List<long[]> parameterShapes(long inWidth, HyperValues options);
    }

    /** Builds the layer; {@code body} is a container's inner layers, empty for every other kind. */
    public interface Factory {
        Layer create(int inWidth, HyperValues options, List<Layer> body);
    }

    /**
     * What the layer asks of its input and of the batch, checked by the spec parser.
     *
     * @param maxInputWidth    the widest input it accepts
     * @param widthReason      why, for a spec that asks for more
     * @param widthAlternative what to use instead
     * @param minBatch         the smallest batch size it accepts
     * @param batchReason      why, and what to use instead, for a spec whose batch is smaller
     */
    public record Limits(int maxInputWidth, String widthReason, String widthAlternative, int minBatch, String batchReason) {
        /** Any width up to {@link #MAX_WIDTH}, any batch. */
        public static final Limits NONE = new Limits(MAX_WIDTH, "", "", 1, "");

        /** Whether it accepts fewer than {@link #MAX_WIDTH} inputs. */
        public boolean limitsWidth() {
            return maxInputWidth < MAX_WIDTH;
        }

        public Limits inputUpTo(int width, String reason, String alternative) {
            return new Limits(width, reason, alternative, minBatch, batchReason);
        }

        public Limits batchOfAtLeast(int min, String reason) {
            return new Limits(maxInputWidth, widthReason, widthAlternative, min, reason);
        }
    }

    /** A kind without options, parameters or buffers whose output is as wide as its input (activations). */
    static LayerKind plain(String name, String matches, Role role, Factory factory) {
        return new LayerKind(name, matches, role, List.of(), List.of(), List.of(), SAME_WIDTH, Limits.NONE, factory);
    }

    /** Output as wide as the input, with parameters of the shapes {@code shapes} gives for that width. */
    static Sizing sameWidth(LongFunction<List<long[]>> shapes) {
        return new Sizing() {
            @Override
            public long outWidth(long inWidth, HyperValues options) {
                return inWidth;
            }

            @Override
            public List<long[]> parameterShapes(long inWidth, HyperValues options) {
                return shapes.apply(inWidth);
            }
        };
    }

    /** Output as wide as the input, no parameters. */
    static final Sizing SAME_WIDTH = sameWidth(width -> List.of());

    /** Output as wide as the input, a gain and a shift per feature ({@link AffineNormLayer}). */
    static final Sizing AFFINE = sameWidth(width -> List.of(new long[] {width}, new long[] {width}));

    /**
     * The names of the trainable tensors a layer with {@code options} has, in {@code state_dict}
     * order: {@link #parameters()}, except that a recurrent layer has one set per layer and direction.
     */
    public List<String> parameterNames(HyperValues options) {
        if (role != Role.RECURRENT) {
            return parameters;
        }
        return RecurrentKinds.names(RecurrentKinds.layers(options), options.flag("bidirectional"));
    }

    /** The number of trainable parameters for an input width. */
    public long parameterCount(long inWidth, HyperValues options) {
        long n = 0;
        for (long[] shape : sizing.parameterShapes(inWidth, options)) {
            long size = 1;
            for (long d : shape) {
                size *= d;
            }
            n += size;
        }
        return n;
    }

    /** Normalization's {@code eps}, added to the variance: strictly positive, at most {@code max}. */
    static HyperParameter eps(double defaultValue, double max) {
        return HyperParameter.number("eps", defaultValue, 0, true, max, false);
    }

    /** Input scaling's {@code freeze_after}: examples after which its statistics stop (0 = always adapting). */
    static HyperParameter freezeAfter() {
        return HyperParameter.count("freeze_after", 0L, 0, Long.MAX_VALUE / 2);
    }
}
