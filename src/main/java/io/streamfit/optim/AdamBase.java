package io.streamfit.optim;

import io.streamfit.hyper.HyperValues;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What {@link Adam}, {@link AdamW} and {@link NAdam} share: the betas, epsilon, the first and
 * second moments under PyTorch's state names ({@code exp_avg}, {@code exp_avg_sq}, and for
 * AMSGrad {@code max_exp_avg_sq}), and the fused Adam loop. Adam and AdamW differ only in how
 * weight decay enters: as an L2 gradient term ({@code l2}) or as a shrink of the parameter before
 * the update ({@code shrink = 1 - lr * weight_decay}).
 */
abstract class AdamBase extends FlatOptimizer {
    /** {@code exp_avg}, {@code exp_avg_sq}, and {@code max_exp_avg_sq} with {@code amsgrad}, as PyTorch keeps them. */
    static List<String> stateNames(HyperValues h) {
        return h.flag("amsgrad") ? List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq") : List.of("exp_avg", "exp_avg_sq");
    }

    protected double beta1;
    protected final double beta2;
    protected final float eps;
    /** The betas and their complements in float32, as PyTorch's kernels receive them. */
    protected float b1;
    protected final float b2;
    protected float c1;
    protected final float c2;
    protected final float[] m;
    protected final float[] v;
    private final float[] vmax;

    AdamBase(INDArray params, INDArray grads, double beta1, double beta2, double eps, boolean amsgrad) {
        super(params, grads);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = (float) eps;
        this.b1 = (float) beta1;
        this.b2 = (float) beta2;
        this.c1 = (float) (1 - beta1);
        this.c2 = (float) (1 - beta2);
        this.m = addState("exp_avg", 0f);
        this.v = addState("exp_avg_sq", 0f);
        this.vmax = amsgrad ? addState("max_exp_avg_sq", 0f) : null;
    }

    /** {@code betas[0]}, which bias correction also uses from now on (as PyTorch reads it from the param group). */
    @Override
    public void setMomentum(double beta1) {
        this.beta1 = beta1;
        this.b1 = (float) beta1;
        this.c1 = (float) (1 - beta1);
    }

    /** The Adam (AMSGrad with {@code max_exp_avg_sq}) update over {@code [from, to)}. */
    final void adamStep(float[] p, float[] g, int from, int to, float scale, float l2, float shrink, double lr, long step) {
        // Bias corrections in double precision, as PyTorch computes them (Python floats).
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        // Locals, so the JIT sees loop-invariant values and unaliased arrays (as a static kernel would).
        float b1 = this.b1;
        float b2 = this.b2;
        float c1 = this.c1;
        float c2 = this.c2;
        float eps = this.eps;
        float[] m = this.m;
        float[] v = this.v;
        float[] vmax = this.vmax;
        if (vmax == null) {
            for (int i = from; i < to; i++) {
                float pi = p[i] * shrink;
                float gi = g[i] * scale + l2 * pi;
                float mi = b1 * m[i] + c1 * gi;
                float vi = b2 * v[i] + c2 * gi * gi;
                m[i] = mi;
                v[i] = vi;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
                p[i] = pi - stepSize * (mi / denom);
            }
        } else {
            for (int i = from; i < to; i++) {
                float pi = p[i] * shrink;
                float gi = g[i] * scale + l2 * pi;
                float mi = b1 * m[i] + c1 * gi;
                float vi = b2 * v[i] + c2 * gi * gi;
                float vm = Math.max(vmax[i], vi);
                m[i] = mi;
                v[i] = vi;
                vmax[i] = vm;
                float denom = (float) Math.sqrt(vm) / bc2Sqrt + eps;
                p[i] = pi - stepSize * (mi / denom);
            }
        }
    }
}
