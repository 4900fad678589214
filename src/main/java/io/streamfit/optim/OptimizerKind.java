package io.streamfit.optim;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperRule;
import io.streamfit.hyper.HyperValues;
import java.util.List;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything the rest of streamfit needs to know about one kind of optimizer, declared once, in
 * the optimizer's own class: its spec name and PyTorch class, the hyper-parameters it accepts
 * (PyTorch's names and defaults, with bounds), the rules between them, the names of the state
 * tensors it keeps for given hyper-parameters (as in PyTorch's {@code state_dict}, and in
 * snapshots), and how to build it. The spec parser, the model factory, snapshot size estimates and
 * the docs' optimizer table (checked by a test) all read it. Adding an optimizer is its class with
 * a {@code KIND} and one line in {@link Optimizers}.
 *
 * @param torchClass the {@code torch.optim} class it reproduces
 * @param params     its hyper-parameters, {@code lr} first
 * @param rules      constraints between hyper-parameters, checked after each is in bounds
 * @param stateNames the state tensors an optimizer built with these hyper-parameters keeps
 */
public record OptimizerKind(String name, String torchClass, List<HyperParameter> params, List<HyperRule> rules,
        Function<HyperValues, List<String>> stateNames, Factory factory) {

    /** Builds the optimizer over a flat parameter buffer and its gradient buffer. */
    public interface Factory {
        FlatOptimizer create(INDArray params, INDArray grads, HyperValues hyper);
    }

    private static final double HUGE = 1e6;

    /** The learning rate, with this optimizer's PyTorch default. */
    static HyperParameter lr(double defaultValue) {
        return HyperParameter.number("lr", defaultValue, 0, false, HUGE, false);
    }

    /**
     * Strictly positive, unlike PyTorch's check: with {@code eps = 0} a parameter whose gradient is
     * exactly zero (a dead unit, an always-zero feature) divides 0 by 0 and turns NaN.
     */
    static HyperParameter eps(double defaultValue) {
        return HyperParameter.number("eps", defaultValue, 0, true, 1, false);
    }

    /** A non-negative coefficient without a useful upper bound (weight decay, decay rates). */
    static HyperParameter coefficient(String name, double defaultValue) {
        return HyperParameter.number(name, defaultValue, 0, false, HUGE, false);
    }

    /** A fraction in {@code [0, 1)} (momentum, averaging constants). */
    static HyperParameter fraction(String name, double defaultValue) {
        return HyperParameter.number(name, defaultValue, 0, false, 1, true);
    }

    /** Adam's {@code betas}, each in {@code [0, 1)}. */
    static HyperParameter betas() {
        return HyperParameter.pair("betas", 0.9, 0.999, 0, 1);
    }

    /** The same state tensors whatever the hyper-parameters. */
    static Function<HyperValues, List<String>> always(String... names) {
        List<String> list = List.of(names);
        return h -> list;
    }
}
