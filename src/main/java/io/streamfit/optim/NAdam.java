package io.streamfit.optim;

import static io.streamfit.optim.OptimizerKind.always;
import static io.streamfit.optim.OptimizerKind.betas;
import static io.streamfit.optim.OptimizerKind.coefficient;
import static io.streamfit.optim.OptimizerKind.eps;
import static io.streamfit.optim.OptimizerKind.lr;

import io.streamfit.hyper.HyperParameter;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * NAdam, Adam with Nesterov momentum (Dozat 2016, "Incorporating Nesterov Momentum into Adam"),
 * exactly {@code torch.optim.NAdam(lr, betas, eps, weight_decay, momentum_decay,
 * decoupled_weight_decay)} of PyTorch 2.x:
 *
 * <pre>
 *   g_t      = grad + weight_decay * p_{t-1}        (or p_{t-1} *= 1 - lr * weight_decay if decoupled)
 *   mu_t     = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))
 *   mu_{t+1} = beta1 * (1 - 0.5 * 0.96^((t + 1) * momentum_decay))
 *   P_t      = P_{t-1} * mu_t                       (mu_product, P_0 = 1)
 *   m_t      = beta1 * m_{t-1} + (1 - beta1) * g_t  (exp_avg)
 *   v_t      = beta2 * v_{t-1} + (1 - beta2) * g_t^2 (exp_avg_sq)
 *   d_t      = sqrt(v_t / (1 - beta2^t)) + eps
 *   p_t      = p_{t-1} - lr * (1 - mu_t) / (1 - P_t) * g_t / d_t
 *                      - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m_t / d_t
 * </pre>
 *
 * PyTorch 1.13 and earlier computed the second coefficient with {@code P_t * mu_t * mu_{t+1}}
 * (a bug fixed in 2.0); this class follows PyTorch 2.x and the paper. The momentum cache
 * {@code P_t} is kept in float32 like PyTorch's {@code mu_product} tensor; it is a function of the
 * step count alone, so it is recomputed on restore rather than stored in snapshots.
 */
public final class NAdam extends AdamBase {
    /** The spec's {@code nadam}: PyTorch's {@code torch.optim.NAdam} hyper-parameters and defaults. */
    public static final OptimizerKind KIND = new OptimizerKind("nadam", "NAdam",
            List.of(lr(2e-3), betas(), eps(1e-8), coefficient("weight_decay", 0), coefficient("momentum_decay", 4e-3),
                    HyperParameter.flag("decoupled_weight_decay")),
            List.of(), always("exp_avg", "exp_avg_sq"),
            (p, g, h) -> new NAdam(p, g, h.pair("betas")[0], h.pair("betas")[1], h.number("eps"), h.number("weight_decay"),
                    h.number("momentum_decay"), h.flag("decoupled_weight_decay")));

    private final double weightDecay;
    private final double momentumDecay;
    private final boolean decoupled;
    private float muProduct = 1f;
    // Per-step coefficients, set by beginStep.
    private float gradCoef;
    private float momentumCoef;
    private float bc2;

    public NAdam(INDArray params, INDArray grads, double beta1, double beta2, double eps, double weightDecay,
            double momentumDecay, boolean decoupledWeightDecay) {
        super(params, grads, beta1, beta2, eps, false);
        this.weightDecay = weightDecay;
        this.momentumDecay = momentumDecay;
        this.decoupled = decoupledWeightDecay;
    }

    @Override
    public String type() {
        return KIND.name();
    }

    private double mu(long t) {
        return beta1 * (1.0 - 0.5 * Math.pow(0.96, t * momentumDecay));
    }

    @Override
    protected void beginStep(double lr, long step) {
        double mu = mu(step);
        double muNext = mu(step + 1);
        muProduct = muProduct * (float) mu;
        gradCoef = (float) (lr * (1.0 - mu) / (1.0 - muProduct));
        momentumCoef = (float) (lr * muNext / (1.0 - muProduct * muNext));
        bc2 = (float) (1.0 - Math.pow(beta2, step));
    }

    @Override
    protected void stepsRestored(long steps) {
        muProduct = 1f;
        // Each mu_t is below beta1 < 1, so the product underflows to exactly 0 within a few
        // thousand steps and stays there: the loop is short however long the model has trained.
        for (long t = 1; t <= steps && muProduct != 0f; t++) {
            muProduct = muProduct * (float) mu(t);
        }
    }

    @Override
    protected void update(float[] p, float[] g, int from, int to, float scale, double lr, long step) {
        float shrink = decoupled ? (float) (1 - lr * weightDecay) : 1f;
        float l2 = decoupled ? 0f : (float) weightDecay;
        float b1 = this.b1;
        float b2 = this.b2;
        float c1 = this.c1;
        float c2 = this.c2;
        float[] m = this.m;
        float[] v = this.v;
        for (int i = from; i < to; i++) {
            float pi = p[i] * shrink;
            float gi = g[i] * scale + l2 * pi;
            float mi = b1 * m[i] + c1 * gi;
            float vi = b2 * v[i] + c2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float d = (float) Math.sqrt(vi / bc2) + eps;
            p[i] = pi - gradCoef * (gi / d) - momentumCoef * (mi / d);
        }
    }

    /**
     * Not supported: NAdam's momentum schedule {@code mu_t} multiplies up every past beta1, which
     * a restore recomputes from the step count alone, so a cycled beta1 would not restore exactly.
     */
    @Override
    public void setMomentum(double beta1) {
        throw new UnsupportedOperationException("nadam's beta1 cannot be cycled (its mu product would not restore exactly)");
    }
}
