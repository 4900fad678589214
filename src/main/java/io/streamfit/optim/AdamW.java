package io.streamfit.optim;

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
    private final double weightDecay;

    public AdamW(INDArray params, INDArray grads, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super(params, grads, beta1, beta2, eps, amsgrad);
        this.weightDecay = weightDecay;
    }

    @Override
    public String type() {
        return "adamw";
    }

    @Override
    protected void update(float[] p, float[] g, int from, int to, float gradScale, double lr, long step) {
        float shrink = (float) (1 - lr * weightDecay);
        adamStep(p, g, from, to, gradScale, 0f, shrink, lr, step);
    }
}
