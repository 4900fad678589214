package io.streamfit.nn;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperValues;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link LayerKind}s {@code rnn}, {@code lstm} and {@code gru}: PyTorch's {@code nn.RNN},
 * {@code nn.LSTM} and {@code nn.GRU} (with {@code batch_first=True}, {@code bias=True}) followed
 * by a many-to-one reduction, with PyTorch's option names and the textbook's additions for
 * recurrent networks:
 *
 * <ul>
 * <li>{@code hidden_size}, {@code num_layers}, {@code bidirectional}, {@code nonlinearity}
 * ({@code rnn}), {@code input_size} (the sequence's {@code features}; a spec need not give it):
 * PyTorch's;
 * <li>{@code output}: {@code last} (every direction's final state of the top layer, PyTorch's
 * {@code h_n[-D:]} concatenated) or {@code mean} (the top layer's outputs averaged over the
 * sequence's own steps);
 * <li>{@code input_dropout}, {@code recurrent_dropout}: variational dropout (one mask per
 * sequence, the same at every step) on each layer's input and on the state entering
 * {@code W_hh};
 * <li>{@code truncate}: backpropagation through the last {@code truncate} steps only (0 = all);
 * <li>{@code hh_init}: {@code uniform} (PyTorch's {@code U(-1/sqrt(H), 1/sqrt(H))}, as every
 * tensor) or {@code orthogonal} (each gate's {@code H x H} block of {@code weight_hh} orthogonal:
 * repeated multiplication then neither grows nor shrinks the state);
 * <li>{@code forget_bias} ({@code lstm}): the value the forget gate's slice of {@code bias_ih}
 * starts at, with {@code bias_hh}'s slice at 0 so their sum is the value; {@code NaN} (the default)
 * leaves PyTorch's uniform draw.
 * </ul>
 */
public final class RecurrentKinds {
    /** The most stacked layers a spec may declare. */
    public static final int MAX_LAYERS = 16;
    /** The widest state a spec may declare. */
    public static final int MAX_HIDDEN = 65_536;

    private RecurrentKinds() {}

    public static final LayerKind RNN = kind("rnn", "nn.RNN", HyperParameter.choice("nonlinearity", "tanh", "tanh", "relu"));
    public static final LayerKind LSTM = kind("lstm", "nn.LSTM",
            HyperParameter.number("forget_bias", Double.NaN, -100, false, 100, false));
    public static final LayerKind GRU = kind("gru", "nn.GRU", null);

    public static final List<LayerKind> ALL = List.of(RNN, LSTM, GRU);

    private static LayerKind kind(String name, String matches, HyperParameter extra) {
        List<HyperParameter> options = new ArrayList<>(List.of(HyperParameter.count("hidden_size", null, 1, MAX_HIDDEN),
                HyperParameter.count("num_layers", 1L, 1, MAX_LAYERS), HyperParameter.flag("bidirectional"),
                HyperParameter.choice("output", "last", "last", "mean"),
                HyperParameter.count("input_size", 0L, 0, LayerKind.MAX_WIDTH),
                HyperParameter.number("input_dropout", 0.0, 0, false, 1, true),
                HyperParameter.number("recurrent_dropout", 0.0, 0, false, 1, true),
                HyperParameter.count("truncate", 0L, 0, SequenceRows.MAX_STEPS),
                HyperParameter.choice("hh_init", "uniform", "uniform", "orthogonal")));
        if (extra != null) {
            options.add(extra);
        }
        return new LayerKind(name, matches, LayerKind.Role.RECURRENT, List.copyOf(options),
                List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"), List.of(), new LayerKind.Sizing() {
                    @Override
                    public long outWidth(long inWidth, HyperValues o) {
                        return o.count("hidden_size") * (o.flag("bidirectional") ? 2 : 1);
                    }

                    @Override
                    public List<long[]> parameterShapes(long inWidth, HyperValues o) {
                        return shapes(cell(name, o), features(inWidth, o), o);
                    }
                }, LayerKind.Limits.NONE, (in, o, body) -> new Recurrent(cell(name, o), in, (int) features(in, o),
                        new Recurrent.Options((int) o.count("hidden_size"), (int) o.count("num_layers"), o.flag("bidirectional"),
                                o.choice("output").equals("mean"), o.number("input_dropout"), o.number("recurrent_dropout"),
                                (int) o.count("truncate"), o.choice("hh_init").equals("orthogonal"),
                                name.equals("lstm") ? o.number("forget_bias") : Double.NaN)));
    }

    /** The gate blocks of a kind's cell ({@code rnn} 1, {@code lstm} 4, {@code gru} 3). */
    public static int gates(String kind) {
        return switch (kind) {
            case "lstm" -> 4;
            case "gru" -> 3;
            default -> 1;
        };
    }

    static RecurrentCell cell(String kind, HyperValues o) {
        return switch (kind) {
            case "lstm" -> RecurrentCell.LSTM;
            case "gru" -> RecurrentCell.GRU;
            default -> o.choice("nonlinearity").equals("relu") ? RecurrentCell.RNN_RELU : RecurrentCell.RNN_TANH;
        };
    }

    /** Values per step: {@code input_size}, or (0) the whole row but its length column, one step. */
    static long features(long inWidth, HyperValues o) {
        long f = o.count("input_size");
        return f > 0 ? f : Math.max(inWidth - 1, 1);
    }

    /** The tensors' names in {@code state_dict} order: per layer, per direction, {@code weight_ih, weight_hh, bias_ih, bias_hh}. */
    static List<String> names(int layers, boolean bidirectional) {
        List<String> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < (bidirectional ? 2 : 1); d++) {
                String suffix = "_l" + l + (d == 1 ? "_reverse" : "");
                out.addAll(List.of("weight_ih" + suffix, "weight_hh" + suffix, "bias_ih" + suffix, "bias_hh" + suffix));
            }
        }
        return out;
    }

    /** {@code num_layers} within its bounds (an invalid spec's value is still sized while its errors are reported). */
    static int layers(HyperValues o) {
        return (int) Math.max(1, Math.min(o.count("num_layers"), MAX_LAYERS));
    }

    static List<long[]> shapes(RecurrentCell cell, long features, HyperValues o) {
        long h = Math.max(o.count("hidden_size"), 0);
        int layers = layers(o);
        int dirs = o.flag("bidirectional") ? 2 : 1;
        long g = cell.gates * h;
        List<long[]> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            long in = l == 0 ? features : h * dirs;
            for (int d = 0; d < dirs; d++) {
                out.addAll(List.of(new long[] {g, in}, new long[] {g, h}, new long[] {g}, new long[] {g}));
            }
        }
        return out;
    }
}
