package io.streamfit.optim;

import static io.streamfit.optim.OptimizerKind.always;
import static io.streamfit.optim.OptimizerKind.betas;
import static io.streamfit.optim.OptimizerKind.coefficient;
import static io.streamfit.optim.OptimizerKind.eps;
import static io.streamfit.optim.OptimizerKind.lr;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdaMax, the infinity-norm variant of Adam (Kingma and Ba 2015, section 7.1), exactly
 * {@code torch.optim.Adamax(lr, betas, eps, weight_decay)}:
 *
 * <pre>
 *   g_t = grad + weight_decay * p_{t-1}
 *   m_t = beta1 * m_{t-1} + (1 - beta1) * g_t                  (exp_avg)
 *   u_t = max(beta2 * u_{t-1}, |g_t| + eps)                    (exp_inf)
 *   p_t = p_{t-1} - (lr / (1 - beta1^t)) * m_t / u_t
 * </pre>
 *
 * PyTorch adds epsilon to {@code |g_t|} inside the max; the paper has no epsilon.
 */
public final class Adamax extends FlatOptimizer {
    /** The spec's {@code adamax}: PyTorch's {@code torch.optim.Adamax} hyper-parameters and defaults. */
    public static final OptimizerKind KIND = new OptimizerKind("adamax", "Adamax",
            List.of(lr(2e-3), betas(), eps(1e-8), coefficient("weight_decay", 0)),
            List.of(), always("exp_avg", "exp_inf"),
            (p, g, h) -> new Adamax(p, g, h.pair("betas")[0], h.pair("betas")[1], h.number("eps"), h.number("weight_decay")));

    private double beta1;
    private float b1;
    private float c1;
    private final float b2;
    private final float eps;
    private final float weightDecay;
    private final float[] m;
    private final float[] u;

    public Adamax(INDArray params, INDArray grads, double beta1, double beta2, double eps, double weightDecay) {
        super(params, grads);
        this.beta1 = beta1;
        this.b1 = (float) beta1;
        this.c1 = (float) (1 - beta1);
        this.b2 = (float) beta2;
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        this.m = addState("exp_avg", 0f);
        this.u = addState("exp_inf", 0f);
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    protected void update(float[] p, float[] g, int from, int to, float scale, double lr, long step) {
        float clr = (float) (lr / (1 - Math.pow(beta1, step)));
        for (int i = from; i < to; i++) {
            float gi = g[i] * scale + weightDecay * p[i];
            float mi = b1 * m[i] + c1 * gi;
            float ui = Math.max(b2 * u[i], Math.abs(gi) + eps);
            m[i] = mi;
            u[i] = ui;
            p[i] -= clr * (mi / ui);
        }
    }

    /** {@code betas[0]}, bias correction included. */
    @Override
    public void setMomentum(double beta1) {
        this.beta1 = beta1;
        this.b1 = (float) beta1;
        this.c1 = (float) (1 - beta1);
    }
}
