package io.streamfit.optim;

import static io.streamfit.optim.OptimizerKind.coefficient;
import static io.streamfit.optim.OptimizerKind.eps;
import static io.streamfit.optim.OptimizerKind.fraction;
import static io.streamfit.optim.OptimizerKind.lr;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperValues;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * RMSprop (Hinton, Srivastava and Swersky 2012, Coursera "Neural Networks for Machine Learning",
 * lecture 6e; centered form from Graves 2013, "Generating Sequences With Recurrent Neural
 * Networks"), exactly {@code torch.optim.RMSprop(lr, alpha, eps, weight_decay, momentum, centered)}:
 *
 * <pre>
 *   g_t   = grad + weight_decay * p_{t-1}
 *   v_t   = alpha * v_{t-1} + (1 - alpha) * g_t^2             (square_avg)
 *   centered:  a_t = alpha * a_{t-1} + (1 - alpha) * g_t        (grad_avg)
 *              d_t = sqrt(v_t - a_t^2) + eps
 *   else:      d_t = sqrt(v_t) + eps
 *   momentum > 0:  b_t = momentum * b_{t-1} + g_t / d_t;  p_t = p_{t-1} - lr * b_t   (momentum_buffer)
 *   else:          p_t = p_{t-1} - lr * g_t / d_t
 * </pre>
 *
 * PyTorch's form: epsilon outside the root (TensorFlow and ND4J put it inside), and momentum
 * accumulates the normalized step rather than the raw gradient.
 */
public final class RmsProp extends FlatOptimizer {
    /** The spec's {@code rmsprop}: PyTorch's {@code torch.optim.RMSprop} hyper-parameters and defaults. */
    public static final OptimizerKind KIND = new OptimizerKind("rmsprop", "RMSprop",
            List.of(lr(1e-2), fraction("alpha", 0.99), eps(1e-8), coefficient("weight_decay", 0),
                    fraction("momentum", 0), HyperParameter.flag("centered")),
            List.of(), RmsProp::stateNames,
            (p, g, h) -> new RmsProp(p, g, h.number("alpha"), h.number("eps"), h.number("weight_decay"), h.number("momentum"),
                    h.flag("centered")));

    private final float alpha;
    private final float oneMinusAlpha;
    private final float eps;
    private final float weightDecay;
    private float momentum;
    private final float[] squareAvg;
    private final float[] buffer;
    private final float[] gradAvg;

    public RmsProp(INDArray params, INDArray grads, double alpha, double eps, double weightDecay, double momentum,
            boolean centered) {
        super(params, grads);
        this.alpha = (float) alpha;
        this.oneMinusAlpha = (float) (1 - alpha);
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        this.momentum = (float) momentum;
        this.squareAvg = addState("square_avg", 0f);
        this.buffer = momentum > 0 ? addState("momentum_buffer", 0f) : null;
        this.gradAvg = centered ? addState("grad_avg", 0f) : null;
    }

    /** {@code square_avg}, then {@code momentum_buffer} with momentum and {@code grad_avg} when centered, as PyTorch keeps them. */
    static List<String> stateNames(HyperValues h) {
        List<String> names = new ArrayList<>(List.of("square_avg"));
        if (h.number("momentum") > 0) {
            names.add("momentum_buffer");
        }
        if (h.flag("centered")) {
            names.add("grad_avg");
        }
        return names;
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    protected void update(float[] p, float[] g, int from, int to, float scale, double lr, long step) {
        float rate = (float) lr;
        float a = alpha;
        float c = oneMinusAlpha;
        for (int i = from; i < to; i++) {
            float gi = g[i] * scale + weightDecay * p[i];
            float vi = a * squareAvg[i] + c * gi * gi;
            squareAvg[i] = vi;
            float d;
            if (gradAvg != null) {
                float ai = a * gradAvg[i] + c * gi;
                gradAvg[i] = ai;
                d = (float) Math.sqrt(vi - ai * ai) + eps;
            } else {
                d = (float) Math.sqrt(vi) + eps;
            }
            if (buffer != null) {
                float bi = momentum * buffer[i] + gi / d;
                buffer[i] = bi;
                p[i] -= rate * bi;
            } else {
                p[i] -= rate * (gi / d);
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
