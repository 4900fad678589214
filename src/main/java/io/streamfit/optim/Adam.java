package io.streamfit.optim;

import static io.streamfit.optim.OptimizerKind.betas;
import static io.streamfit.optim.OptimizerKind.coefficient;
import static io.streamfit.optim.OptimizerKind.eps;
import static io.streamfit.optim.OptimizerKind.lr;

import io.streamfit.hyper.HyperParameter;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam (Kingma and Ba 2015, "Adam: A Method for Stochastic Optimization") with bias correction,
 * and its AMSGrad variant (Reddi, Kale and Kumar 2018, "On the Convergence of Adam and Beyond"),
 * exactly {@code torch.optim.Adam(lr, betas, eps, weight_decay, amsgrad)}:
 *
 * <pre>
 *   g_t  = grad + weight_decay * p_{t-1}
 *   m_t  = beta1 * m_{t-1} + (1 - beta1) * g_t                      (exp_avg)
 *   v_t  = beta2 * v_{t-1} + (1 - beta2) * g_t^2                    (exp_avg_sq)
 *   vmax = max(vmax, v_t);  use vmax for v_t below                   (amsgrad only: max_exp_avg_sq)
 *   p_t  = p_{t-1} - (lr / (1 - beta1^t)) * m_t / (sqrt(v_t) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * PyTorch's placement of epsilon is implemented: it is added to the bias-corrected root, not to
 * the raw root as in ND4J's {@code Adam} updater and in the paper's "efficient" form of
 * Algorithm 1. Weight decay is PyTorch's L2 term in the gradient; for decoupled decay use
 * {@link AdamW}. AMSGrad, as in PyTorch, keeps the maximum of the <em>uncorrected</em> second
 * moments and bias-corrects that maximum (the paper has no bias correction at all).
 */
public final class Adam extends AdamBase {
    /** The spec's {@code adam}: PyTorch's {@code torch.optim.Adam} hyper-parameters and defaults. */
    public static final OptimizerKind KIND = new OptimizerKind("adam", "Adam",
            List.of(lr(1e-3), betas(), eps(1e-8), coefficient("weight_decay", 0), HyperParameter.flag("amsgrad")),
            List.of(), AdamBase::stateNames,
            (p, g, h) -> new Adam(p, g, h.pair("betas")[0], h.pair("betas")[1], h.number("eps"), h.number("weight_decay"),
                    h.flag("amsgrad")));

    private final float weightDecay;

    public Adam(INDArray params, INDArray grads, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super(params, grads, beta1, beta2, eps, amsgrad);
        this.weightDecay = (float) weightDecay;
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    protected void update(float[] p, float[] g, int from, int to, float gradScale, double lr, long step) {
        adamStep(p, g, from, to, gradScale, weightDecay, 1f, lr, step);
    }
}
