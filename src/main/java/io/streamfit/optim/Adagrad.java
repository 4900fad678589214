package io.streamfit.optim;

import static io.streamfit.optim.OptimizerKind.always;
import static io.streamfit.optim.OptimizerKind.coefficient;
import static io.streamfit.optim.OptimizerKind.eps;
import static io.streamfit.optim.OptimizerKind.lr;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdaGrad (Duchi, Hazan and Singer 2011, "Adaptive Subgradient Methods for Online Learning and
 * Stochastic Optimization"), exactly
 * {@code torch.optim.Adagrad(lr, lr_decay, weight_decay, initial_accumulator_value, eps)}:
 *
 * <pre>
 *   g_t   = grad + weight_decay * p_{t-1}
 *   lr_t  = lr / (1 + (t - 1) * lr_decay)
 *   s_t   = s_{t-1} + g_t^2                       (sum; s_0 = initial_accumulator_value)
 *   p_t   = p_{t-1} - lr_t * g_t / (sqrt(s_t) + eps)
 * </pre>
 *
 * PyTorch's form: epsilon is added outside the root (ND4J's {@code AdaGrad} adds it inside), and
 * {@code lr_decay} is PyTorch's own addition to the paper's rule.
 */
public final class Adagrad extends FlatOptimizer {
    /** The spec's {@code adagrad}: PyTorch's {@code torch.optim.Adagrad} hyper-parameters and defaults. */
    public static final OptimizerKind KIND = new OptimizerKind("adagrad", "Adagrad",
            List.of(lr(1e-2), coefficient("lr_decay", 0), coefficient("weight_decay", 0),
                    coefficient("initial_accumulator_value", 0), eps(1e-10)),
            List.of(), always("sum"),
            (p, g, h) -> new Adagrad(p, g, h.number("lr_decay"), h.number("weight_decay"), h.number("initial_accumulator_value"),
                    h.number("eps")));

    private final double lrDecay;
    private final float weightDecay;
    private final float eps;
    private final float[] sum;

    public Adagrad(INDArray params, INDArray grads, double lrDecay, double weightDecay, double initialAccumulatorValue,
            double eps) {
        super(params, grads);
        this.lrDecay = lrDecay;
        this.weightDecay = (float) weightDecay;
        this.eps = (float) eps;
        this.sum = addState("sum", (float) initialAccumulatorValue);
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    protected void update(float[] p, float[] g, int from, int to, float scale, double lr, long step) {
        float clr = (float) (lr / (1 + (step - 1) * lrDecay));
        float wd = weightDecay;
        for (int i = from; i < to; i++) {
            float gi = g[i] * scale + wd * p[i];
            float si = sum[i] + gi * gi;
            sum[i] = si;
            p[i] -= clr * (gi / ((float) Math.sqrt(si) + eps));
        }
    }
}
