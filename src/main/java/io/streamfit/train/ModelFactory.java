package io.streamfit.train;

import io.streamfit.nn.Activation;
import io.streamfit.nn.BinaryCrossEntropy;
import io.streamfit.nn.Dense;
import io.streamfit.nn.Layer;
import io.streamfit.nn.LayerNorm;
import io.streamfit.nn.Loss;
import io.streamfit.nn.MeanSquaredError;
import io.streamfit.nn.Network;
import io.streamfit.nn.SoftmaxCrossEntropy;
import io.streamfit.optim.Adam;
import io.streamfit.optim.Optimizer;
import io.streamfit.optim.Sgd;
import io.streamfit.schedule.ConstantLr;
import io.streamfit.schedule.LrSchedule;
import io.streamfit.schedule.StepLr;
import io.streamfit.spec.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/** Turns a validated {@link ModelSpec} into the network, loss, optimizer and schedule it names. */
public final class ModelFactory {
    private ModelFactory() {}

    public static Network network(ModelSpec spec, DataType dataType) {
        List<Layer> layers = new ArrayList<>();
        int width = spec.inputWidth();
        for (ModelSpec.LayerSpec l : spec.layers()) {
            Layer layer = switch (l.type()) {
                case "dense" -> new Dense(width, l.units());
                case "layer_norm" -> new LayerNorm(width, l.eps());
                case "relu" -> new Activation(Activation.Kind.RELU, width);
                case "tanh" -> new Activation(Activation.Kind.TANH, width);
                case "sigmoid" -> new Activation(Activation.Kind.SIGMOID, width);
                case "gelu" -> new Activation(Activation.Kind.GELU, width);
                default -> throw new IllegalArgumentException("unknown layer type " + l.type());
            };
            layers.add(layer);
            width = layer.outWidth();
        }
        return new Network(layers, dataType);
    }

    public static Loss loss(ModelSpec spec) {
        return switch (spec.loss()) {
            case "softmax_cross_entropy" -> new SoftmaxCrossEntropy();
            case "mse" -> new MeanSquaredError();
            case "binary_cross_entropy" -> new BinaryCrossEntropy();
            default -> throw new IllegalArgumentException("unknown loss " + spec.loss());
        };
    }

    public static Optimizer optimizer(ModelSpec spec, Network net) {
        ModelSpec.OptimizerSpec o = spec.optimizer();
        return switch (o.type()) {
            case "sgd" -> new Sgd(net.params(), net.grads(), o.number("momentum"), o.number("dampening"),
                    o.number("weight_decay"), o.flag("nesterov"));
            case "adam" -> new Adam(net.params(), net.grads(), o.pair("betas")[0], o.pair("betas")[1],
                    o.number("eps"), o.number("weight_decay"), o.flag("amsgrad"));
            default -> throw new IllegalArgumentException("unknown optimizer " + o.type());
        };
    }

    public static LrSchedule schedule(ModelSpec spec) {
        double lr = spec.optimizer().lr();
        ModelSpec.ScheduleSpec s = spec.schedule();
        return switch (s.type()) {
            case "step" -> new StepLr(lr, s.stepSize(), s.gamma());
            default -> new ConstantLr(lr);
        };
    }
}
