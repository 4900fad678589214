package io.streamfit.train;

import io.streamfit.nn.BinaryCrossEntropy;
import io.streamfit.nn.Initializer;
import io.streamfit.nn.Layer;
import io.streamfit.nn.LayerKind;
import io.streamfit.nn.Loss;
import io.streamfit.nn.MeanSquaredError;
import io.streamfit.nn.Network;
import io.streamfit.nn.ParamTensor;
import io.streamfit.nn.SoftmaxCrossEntropy;
import io.streamfit.optim.FlatOptimizer;
import io.streamfit.optim.GradientClipper;
import io.streamfit.optim.OptimizerKind;
import io.streamfit.optim.Optimizers;
import io.streamfit.optim.Regularizer;
import io.streamfit.schedule.LinearScaling;
import io.streamfit.schedule.LrSchedule;
import io.streamfit.schedule.ScheduleKind;
import io.streamfit.schedule.Schedules;
import io.streamfit.schedule.Warmup;
import io.streamfit.spec.ModelSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Turns a validated {@link ModelSpec} into the network, loss, optimizer and schedule it names. */
public final class ModelFactory {
    private ModelFactory() {}

    public static Network network(ModelSpec spec, DataType dataType) {
        return new Network(layers(spec.layers(), spec.inputWidth()), dataType);
    }

    /** Each layer built by its {@link LayerKind}'s factory, residual bodies first. */
    private static List<Layer> layers(List<ModelSpec.LayerSpec> specs, int inWidth) {
        List<Layer> layers = new ArrayList<>();
        int width = inWidth;
        for (ModelSpec.LayerSpec l : specs) {
            Layer layer = l.kind().factory().create(width, l.values(), layers(l.body(), width));
            layers.add(layer);
            width = layer.outWidth();
        }
        return layers;
    }

    /** Initializer overrides by tensor name ({@code 0.weight}), from the layers' {@code weight_init}/{@code bias_init}. */
    public static Map<String, Initializer> initializers(ModelSpec spec) {
        Map<String, Initializer> out = new LinkedHashMap<>();
        initializers(spec.layers(), "", out);
        return out;
    }

    private static void initializers(List<ModelSpec.LayerSpec> layers, String prefix, Map<String, Initializer> out) {
        for (int i = 0; i < layers.size(); i++) {
            for (Map.Entry<String, ModelSpec.InitSpec> e : layers.get(i).init().entrySet()) {
                out.put(prefix + i + "." + e.getKey(), initializer(e.getValue()));
            }
            initializers(layers.get(i).body(), prefix + i + ".body.", out);
        }
    }

    static Initializer initializer(ModelSpec.InitSpec s) {
        return switch (s.type()) {
            case "zeros" -> Initializer.constant(0);
            case "ones" -> Initializer.constant(1);
            case "constant" -> Initializer.constant(s.number("val"));
            case "normal" -> Initializer.normal(s.number("mean"), s.number("std"));
            case "uniform" -> Initializer.uniform(s.number("a"), s.number("b"));
            case "xavier_uniform" -> Initializer.xavierUniform(s.number("gain"));
            case "xavier_normal" -> Initializer.xavierNormal(s.number("gain"));
            case "kaiming_uniform" -> Initializer.kaimingUniform(Initializer.gain(s.choice("nonlinearity"), s.number("a")),
                    s.choice("mode").equals("fan_out"));
            case "kaiming_normal" -> Initializer.kaimingNormal(Initializer.gain(s.choice("nonlinearity"), s.number("a")),
                    s.choice("mode").equals("fan_out"));
            case "lecun_normal" -> Initializer.lecunNormal();
            case "orthogonal" -> Initializer.orthogonal(s.number("gain"));
            default -> throw new IllegalArgumentException("unknown initializer " + s.type());
        };
    }

    /**
     * The clipper a spec names.
     *
     * @param net the network whose gradient tensors a per-tensor clipper measures
     */
    public static GradientClipper clipper(ModelSpec spec, Network net) {
        ModelSpec.ClippingSpec c = spec.clipping();
        return switch (c.type()) {
            case "none" -> GradientClipper.none();
            case "norm" -> GradientClipper.globalNorm(c.bound());
            case "per_tensor_norm" -> GradientClipper.perTensorNorm(c.bound(), net.tensors().stream()
                    .map(t -> net.grads().get(NDArrayIndex.interval(t.offset(), t.offset() + t.length()))).toList());
            case "value" -> GradientClipper.value(c.bound());
            default -> throw new IllegalArgumentException("unknown clipping " + c.type());
        };
    }

    /**
     * The spec's regularization group: every trainable tensor except the excluded kinds (biases,
     * normalization layers' parameters) and frozen ones.
     */
    public static Regularizer regularizer(ModelSpec spec, Network net) {
        ModelSpec.RegularizationSpec g = spec.regularization();
        List<long[]> ranges = new ArrayList<>();
        List<long[]> frozen = frozenRanges(spec, net);
        for (ParamTensor t : net.tensors()) {
            boolean norm = spec.layerOf(t.name()).isNormalization();
            boolean excluded = (g.exclude().contains("norm") && norm)
                    || (g.exclude().contains("bias") && t.name().endsWith(".bias"));
            boolean isFrozen = frozen.stream().anyMatch(r -> r[0] == t.offset());
            if (!excluded && !isFrozen) {
                ranges.add(new long[] {t.offset(), t.offset() + t.length()});
            }
        }
        return new Regularizer(g.l1(), g.l2(), g.weightDecay(), net.params(), net.grads(), ranges);
    }

    /** {@code [from, to)} ranges of the flat buffers that the spec's {@code freeze} list names. */
    public static List<long[]> frozenRanges(ModelSpec spec, Network net) {
        List<long[]> out = new ArrayList<>();
        for (ParamTensor t : net.tensors()) {
            if (ModelSpec.freezes(spec.freeze(), t.name())) {
                out.add(new long[] {t.offset(), t.offset() + t.length()});
            }
        }
        return out;
    }

    public static Loss loss(ModelSpec spec) {
        return switch (spec.loss()) {
            case "softmax_cross_entropy" -> new SoftmaxCrossEntropy(spec.labelSmoothing());
            case "mse" -> new MeanSquaredError();
            case "binary_cross_entropy" -> new BinaryCrossEntropy();
            default -> throw new IllegalArgumentException("unknown loss " + spec.loss());
        };
    }

    public static FlatOptimizer optimizer(ModelSpec spec, Network net) {
        return optimizer(spec.optimizer(), net.params(), net.grads());
    }

    /** The optimizer a spec names, over a flat parameter buffer and its gradient buffer (see {@link OptimizerKind}). */
    public static FlatOptimizer optimizer(ModelSpec.OptimizerSpec o, INDArray params, INDArray grads) {
        OptimizerKind kind = Optimizers.named(o.type());
        if (kind == null) {
            throw new IllegalArgumentException("unknown optimizer " + o.type());
        }
        return kind.factory().create(params, grads, o);
    }

    public static LrSchedule schedule(ModelSpec spec) {
        return schedule(spec.schedule(), spec.optimizer().lr(), spec.batchSize());
    }

    /** The schedule a spec names, with its warm-up and linear scaling applied. */
    public static LrSchedule schedule(ModelSpec.ScheduleSpec s, double lr, int batchSize) {
        ScheduleKind kind = Schedules.named(s.type());
        if (kind == null) {
            throw new IllegalArgumentException("unknown schedule " + s.type());
        }
        LrSchedule base = kind.factory().create(lr, s);
        if (s.warmup() != null) {
            base = new Warmup(base, s.warmup().steps(), s.warmup().exponential(), s.warmup().startFactor());
        }
        if (s.referenceBatchSize() > 0) {
            base = new LinearScaling(base, batchSize, s.referenceBatchSize());
        }
        return base;
    }
}
