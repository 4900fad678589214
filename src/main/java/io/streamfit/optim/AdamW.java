package io.streamfit.optim;

import static io.streamfit.optim.OptimizerKind.betas;
import static io.streamfit.optim.OptimizerKind.coefficient;
import static io.streamfit.optim.OptimizerKind.eps;
import static io.streamfit.optim.OptimizerKind.lr;

import io.streamfit.hyper.HyperParameter;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter 2019, "Decoupled Weight Decay
 * Regularization"), exactly {@code torch.optim.AdamW(lr, betas, eps, weight_decay, amsgrad)}:
 *
 * <pre>
 *   p'   = p_{t-1} * (1 - lr * weight_decay)                        (decay, not through the moments)
 *   m_t  = beta1 * m_{t-1} + (1 - beta1) * grad                     (exp_avg)
 *   v_t  = beta2 * v_{t-1} + (1 - beta2) * grad^2                   (exp_avg_sq)
 *   vmax = max(vmax, v_t);  use vmax for v_t below                   (amsgrad only: max_exp_avg_sq)
 *   p_t  = p' - (lr / (1 - beta1^t)) * m_t / (sqrt(v_t) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * PyTorch's form is implemented: the decay is multiplied by the <em>scheduled</em> learning rate
 * {@code lr} (the paper multiplies a separate schedule multiplier {@code eta_t} by
 * {@code lambda} without {@code alpha}), and epsilon sits outside the bias-corrected root as in
 * {@link Adam}. The default {@code weight_decay} is 0.01, as in PyTorch.
 */
public final class AdamW extends AdamBase {
    /** The spec's {@code adamw}: PyTorch's {@code torch.optim.AdamW} hyper-parameters and defaults. */
    public static final OptimizerKind KIND = new OptimizerKind("adamw", "AdamW",
            List.of(lr(1e-3), betas(), eps(1e-8), coefficient("weight_decay", 1e-2), HyperParameter.flag("amsgrad")),
            List.of(), AdamBase::stateNames,
            (p, g, h) -> new AdamW(p, g, h.pair("betas")[0], h.pair("betas")[1], h.number("eps"), h.number("weight_decay"),
                    h.flag("amsgrad")));

    private final double weightDecay;

    public AdamW(INDArray params, INDArray grads, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super(params, grads, beta1, beta2, eps, amsgrad);
        this.weightDecay = weightDecay;
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    protected void update(float[] p, float[] g, int from, int to, float gradScale, double lr, long step) {
        float shrink = (float) (1 - lr * weightDecay);
        adamStep(p, g, from, to, gradScale, 0f, shrink, lr, step);
    }
}
