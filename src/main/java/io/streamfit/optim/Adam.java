package io.streamfit.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam (Kingma and Ba 2015) with bias correction, and its AMSGrad variant (Reddi et al. 2018),
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
 * the raw root as in ND4J's {@code Adam} updater and in the paper's "efficient" form. Weight decay
 * is PyTorch's L2 term in the gradient (for decoupled decay use AdamW).
 */
public final class Adam extends FlatOptimizer {
    private final float beta1;
    private final float beta2;
    private final double beta1d;
    private final double beta2d;
    private final float eps;
    private final float weightDecay;
    private final float[] m;
    private final float[] v;
    private final float[] vmax;

    public Adam(INDArray params, INDArray grads, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        super(params, grads);
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.beta1d = beta1;
        this.beta2d = beta2;
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        this.m = addState("exp_avg", 0f);
        this.v = addState("exp_avg_sq", 0f);
        this.vmax = amsgrad ? addState("max_exp_avg_sq", 0f) : null;
    }

    @Override
    public String type() {
        return "adam";
    }

    @Override
    protected void update(float[] p, float[] g, float gradScale, double lr, long step) {
        // Bias corrections in double precision, as PyTorch computes them (Python floats).
        double bc1 = 1.0 - Math.pow(beta1d, step);
        double bc2 = 1.0 - Math.pow(beta2d, step);
        float stepSize = (float) (lr / bc1);
        float bc2Sqrt = (float) Math.sqrt(bc2);
        if (vmax == null) {
            adam(p, g, m, v, gradScale, weightDecay, beta1, beta2, eps, stepSize, bc2Sqrt);
        } else {
            amsgrad(p, g, m, v, vmax, gradScale, weightDecay, beta1, beta2, eps, stepSize, bc2Sqrt);
        }
    }

    private static void adam(float[] p, float[] g, float[] m, float[] v, float scale, float wd,
            float b1, float b2, float eps, float stepSize, float bc2Sqrt) {
        float c1 = 1f - b1;
        float c2 = 1f - b2;
        for (int i = 0; i < p.length; i++) {
            float gi = g[i] * scale + wd * p[i];
            float mi = b1 * m[i] + c1 * gi;
            float vi = b2 * v[i] + c2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            p[i] -= stepSize * mi / denom;
        }
    }

    private static void amsgrad(float[] p, float[] g, float[] m, float[] v, float[] vmax, float scale, float wd,
            float b1, float b2, float eps, float stepSize, float bc2Sqrt) {
        float c1 = 1f - b1;
        float c2 = 1f - b2;
        for (int i = 0; i < p.length; i++) {
            float gi = g[i] * scale + wd * p[i];
            float mi = b1 * m[i] + c1 * gi;
            float vi = b2 * v[i] + c2 * gi * gi;
            float vm = Math.max(vmax[i], vi);
            m[i] = mi;
            v[i] = vi;
            vmax[i] = vm;
            float denom = (float) Math.sqrt(vm) / bc2Sqrt + eps;
            p[i] -= stepSize * mi / denom;
        }
    }
}
