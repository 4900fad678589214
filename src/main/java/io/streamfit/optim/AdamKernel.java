package io.streamfit.optim;

/**
 * The fused Adam/AdamW loop shared by {@link Adam} and {@link AdamW}, which differ only in how
 * weight decay enters: as an L2 gradient term ({@code l2}) or as a multiplicative shrink of the
 * parameter before the update ({@code shrink = 1 - lr * weight_decay}).
 */
final class AdamKernel {
    private AdamKernel() {}

    /** @param vmax the AMSGrad maximum, or null for plain Adam */
    static void step(float[] p, float[] g, float[] m, float[] v, float[] vmax, int from, int to, float scale,
            float l2, float shrink, double beta1, double beta2, float eps, double lr, long step) {
        // Bias corrections in double precision, as PyTorch computes them (Python floats).
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float c1 = (float) (1 - beta1);
        float c2 = (float) (1 - beta2);
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
