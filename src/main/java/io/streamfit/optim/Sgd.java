package io.streamfit.optim;

import static io.streamfit.optim.OptimizerKind.coefficient;
import static io.streamfit.optim.OptimizerKind.fraction;
import static io.streamfit.optim.OptimizerKind.lr;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperRule;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stochastic gradient descent with optional momentum and Nesterov momentum, exactly
 * {@code torch.optim.SGD(lr, momentum, dampening, weight_decay, nesterov)}.
 *
 * <pre>
 *   g_t = grad + weight_decay * p_{t-1}
 *   if momentum != 0:
 *       b_t = g_t                                      (first step)
 *       b_t = momentum * b_{t-1} + (1 - dampening) * g_t  (later steps)
 *       g_t = g_t + momentum * b_t   if nesterov  else  b_t
 *   p_t = p_{t-1} - lr * g_t
 * </pre>
 *
 * Momentum: Polyak (1964); Nesterov in the form of Sutskever et al. (2013) as PyTorch writes
 * it, which differs from the "look-ahead gradient" textbook form only by a change of variables.
 * Weight decay enters as an L2 term added to the gradient (PyTorch's definition), not decoupled.
 */
public final class Sgd extends FlatOptimizer {
    /** The spec's {@code sgd}: PyTorch's {@code torch.optim.SGD} hyper-parameters and defaults. */
    public static final OptimizerKind KIND = new OptimizerKind("sgd", "SGD", List.of(lr(1e-3), fraction("momentum", 0),
            HyperParameter.number("dampening", 0.0, 0, false, 1, false), coefficient("weight_decay", 0),
            HyperParameter.flag("nesterov")),
            List.of(HyperRule.of("nesterov",
                    h -> !h.flag("nesterov") || (h.number("momentum") > 0 && h.number("dampening") == 0),
                    "requires momentum > 0 and dampening = 0 (as in torch.optim.SGD)")),
            h -> h.number("momentum") != 0 ? List.of("momentum_buffer") : List.of(),
            (p, g, h) -> new Sgd(p, g, h.number("momentum"), h.number("dampening"), h.number("weight_decay"),
                    h.flag("nesterov")));

    private float momentum;
    private final float dampening;
    private final float weightDecay;
    private final boolean nesterov;
    private final float[] buffer;

    public Sgd(INDArray params, INDArray grads, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(params, grads);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
        this.momentum = (float) momentum;
        this.dampening = (float) dampening;
        this.weightDecay = (float) weightDecay;
        this.nesterov = nesterov;
        this.buffer = momentum != 0 ? addState("momentum_buffer", 0f) : null;
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    protected void update(float[] p, float[] g, int from, int to, float gradScale, double lr, long step) {
        float rate = (float) lr;
        if (buffer == null) {
            plain(p, g, from, to, gradScale, weightDecay, rate);
        } else if (step == 1) {
            firstMomentumStep(p, g, buffer, from, to, gradScale, weightDecay, rate, nesterov ? momentum : 0f);
        } else {
            momentumStep(p, g, buffer, from, to, gradScale, weightDecay, rate, momentum, 1f - dampening, nesterov);
        }
    }

    private static void plain(float[] p, float[] g, int from, int to, float scale, float wd, float lr) {
        for (int i = from; i < to; i++) {
            float d = g[i] * scale + wd * p[i];
            p[i] -= lr * d;
        }
    }

    private static void firstMomentumStep(float[] p, float[] g, float[] b, int from, int to, float scale, float wd,
            float lr, float nesterovMomentum) {
        for (int i = from; i < to; i++) {
            float d = g[i] * scale + wd * p[i];
            b[i] = d;
            p[i] -= lr * (d + nesterovMomentum * d);
        }
    }

    private static void momentumStep(float[] p, float[] g, float[] b, int from, int to, float scale, float wd,
            float lr, float momentum, float undamped, boolean nesterov) {
        if (nesterov) {
            for (int i = from; i < to; i++) {
                float d = g[i] * scale + wd * p[i];
                float bi = momentum * b[i] + undamped * d;
                b[i] = bi;
                p[i] -= lr * (d + momentum * bi);
            }
        } else {
            for (int i = from; i < to; i++) {
                float d = g[i] * scale + wd * p[i];
                float bi = momentum * b[i] + undamped * d;
                b[i] = bi;
                p[i] -= lr * bi;
            }
        }
    }

    /** {@code momentum}; only with a momentum buffer (momentum &gt; 0 in the spec). */
    @Override
    public void setMomentum(double momentum) {
        if (buffer == null) {
            throw new UnsupportedOperationException(type() + " without momentum has no momentum_buffer to cycle");
        }
        this.momentum = (float) momentum;
    }
}
