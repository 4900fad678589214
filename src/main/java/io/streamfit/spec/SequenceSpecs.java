package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.hyper.HyperValues;
import io.streamfit.nn.LayerKind;
import io.streamfit.nn.Recurrent;
import io.streamfit.nn.RecurrentKinds;
import io.streamfit.nn.SequenceRows;
import java.util.List;
import java.util.Set;

/**
 * The {@code sequence} section, which declares the input as sequences of steps for recurrent
 * layers:
 *
 * <pre>
 * sequence:
 *   length: 50          # the most steps a sequence may have (records with more are dead-lettered)
 *   min_length: 50      # the fewest (default: length, i.e. every sequence has exactly length steps)
 *   features: 2         # values per step (PyTorch's input_size)
 *   batch_first: true   # a JSON mini-batch's x is [batch][step][feature]; false: [step][batch][feature]
 * </pre>
 *
 * With it, {@code input_width} may be left out (if given, it must be {@code length * features});
 * the model's rows are {@link SequenceRows} rows, one column wider.
 */
final class SequenceSpecs {
    /** The most values one sequence example may hold. */
    static final long MAX_VALUES = 1_000_000;
    /** The most memory a recurrent layer may keep for one training batch's backward pass. */
    static final long MAX_TRAINING_BYTES = 4L << 30;

    private SequenceSpecs() {}

    static ModelSpec.SequenceSpec parse(SpecReader r, JsonNode s) {
        if (s == null) {
            return null;
        }
        String p = "sequence";
        r.rejectUnknown(s, p, Set.of("length", "min_length", "features", "batch_first"));
        int length = r.integer(s, "length", p, null, 1, SequenceRows.MAX_STEPS).intValue();
        int minLength = r.integer(s, "min_length", p, (long) length, 1, SequenceRows.MAX_STEPS).intValue();
        int features = r.integer(s, "features", p, null, 1, LayerKind.MAX_WIDTH).intValue();
        boolean batchFirst = r.bool(s, "batch_first", p, true);
        if (minLength > length) {
            r.error(p + ".min_length", "must be <= length (" + length + "), got " + minLength);
        }
        if ((long) length * features > MAX_VALUES) {
            r.error(p, "declares " + (long) length * features + " values per sequence (length " + length + " x features "
                    + features + "), more than " + MAX_VALUES);
        }
        return new ModelSpec.SequenceSpec(length, Math.min(minLength, length), features, batchFirst);
    }

    /** The model's input width for {@code sequence}, checking a given {@code input_width} against it. */
    static int inputWidth(SpecReader r, JsonNode root, ModelSpec.SequenceSpec sequence) {
        JsonNode given = root.get("input_width");
        long values = (long) sequence.length() * sequence.features();
        if (given != null && !given.isNull() && !(given.canConvertToLong() && given.asLong() == values)) {
            r.error("input_width", "must be length x features = " + values + " with a sequence (or be left out), got "
                    + SpecReader.describe(given));
        }
        return values > MAX_VALUES ? 2 : sequence.width();
    }

    /**
     * A sequence model starts with one recurrent layer (stacked ones are its {@code num_layers})
     * and has no other, not in a residual block either; a model without {@code sequence} has none.
     * Image input and augmentation do not apply to sequences.
     */
    static void checkLayers(SpecReader r, JsonNode root, ModelSpec.SequenceSpec sequence, List<ModelSpec.LayerSpec> layers) {
        for (int i = 0; i < layers.size(); i++) {
            ModelSpec.LayerSpec l = layers.get(i);
            boolean recurrent = l.kind().role() == LayerKind.Role.RECURRENT;
            if (sequence == null && recurrent) {
                r.error("layers[" + i + "]", l.kind().name() + " reads sequences: declare the input with "
                        + "sequence: {length: <steps>, features: <values per step>}");
            } else if (sequence != null && recurrent && i > 0) {
                r.error("layers[" + i + "]", "a recurrent layer must be the first layer (stack them with num_layers)");
            } else if (sequence != null && !recurrent && i == 0) {
                r.error("layers[0]", "with a sequence input the first layer must be rnn, lstm or gru, got " + l.kind().name());
            }
            if (l.isResidual() && ModelSpec.kinds(l.body()).stream().anyMatch(k -> k.role() == LayerKind.Role.RECURRENT)) {
                r.error("layers[" + i + "]", "a recurrent layer cannot be inside a residual block: it must be the first layer");
            }
            if (recurrent && "orthogonal".equals(l.values().choice("hh_init"))) {
                HyperValues o = l.values();
                long h = o.count("hidden_size");
                double work = (double) h * h * h * RecurrentKinds.gates(l.kind().name()) * o.count("num_layers")
                        * (o.flag("bidirectional") ? 2 : 1);
                if (work > LayerSpecs.MAX_ORTHOGONAL_WORK) {
                    r.error("layers[" + i + "].hh_init", "orthogonal on " + h + "x" + h + " blocks would take minutes to "
                            + "orthonormalize at start-up; use it with hidden_size up to about 1000");
                }
            }
        }
        if (sequence != null) {
            if (root.has("input_shape")) {
                r.error("input_shape", "declares an image, but the input is a sequence");
            }
            if (root.has("augmentation")) {
                r.error("augmentation", "does not apply to sequences (mixup would mix sequences of different lengths); "
                        + "use input_dropout on the recurrent layer or a gaussian_noise layer after it");
            }
        }
    }

    /**
     * The memory a training batch keeps for backpropagation through the recurrent layer, within
     * {@link #MAX_TRAINING_BYTES}; a replay reservoir makes each batch larger by its replayed rows.
     */
    static void checkMemory(SpecReader r, ModelSpec.SequenceSpec sequence, List<ModelSpec.LayerSpec> layers, int batch,
            ModelSpec.ReplaySpec replay) {
        if (sequence == null || layers.isEmpty() || layers.get(0).kind().role() != LayerKind.Role.RECURRENT || batch < 1) {
            return;
        }
        long rows = batch + (replay == null ? 0 : Math.round(replay.fraction() * batch / (1 - replay.fraction())));
        ModelSpec.LayerSpec l = layers.get(0);
        HyperValues o = l.values();
        long bytes = Recurrent.trainingBytes(rows, sequence.length(), sequence.features(), RecurrentKinds.gates(l.kind().name()),
                o.count("hidden_size"), o.count("num_layers"), o.flag("bidirectional"));
        if (bytes > MAX_TRAINING_BYTES) {
            r.error("layers[0]", "would keep " + (bytes >> 20) + " MiB per training batch of " + rows + " sequences for "
                    + "backpropagation (rows x length x (features + layers x directions x hidden_size)), more than "
                    + (MAX_TRAINING_BYTES >> 20) + " MiB: lower batch_size, sequence.length or hidden_size");
        }
    }
}
