package io.streamfit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.SplitMix64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each optimizer against an independent float64 re-statement of torch.optim's algorithm
 * (as printed in PyTorch's documentation), over 130 steps of random gradients with a gradient
 * scale (clipping) on some steps. Trajectories must agree to float32 precision.
 */
class OptimizerReferenceTest {
    private static final int N = 257;
    private static final int STEPS = 130; // past two subnormal sweeps (every 64 steps)

    /** The reference: plain double loops, written from the PyTorch docs, sharing no code with optim. */
    interface Reference {
        void step(double[] p, double[] g, double lr, long t);
    }

    private static void compare(FlatOptimizer opt, INDArray params, INDArray grads, Reference ref, double lr) {
        SplitMix64 rng = new SplitMix64(99);
        double[] p = new double[N];
        for (int i = 0; i < N; i++) {
            p[i] = rng.nextGaussian();
            params.putScalar(i, (float) p[i]);
            p[i] = params.getFloat(i);
        }
        for (int t = 1; t <= STEPS; t++) {
            float scale = t % 3 == 0 ? 0.5f : 1f;
            double[] g = new double[N];
            for (int i = 0; i < N; i++) {
                float gi = (float) (rng.nextGaussian() * (1 + t % 5));
                grads.putScalar(i, gi);
                g[i] = gi * (double) scale;
            }
            opt.step(lr, scale);
            ref.step(p, g, lr, t);
        }
        assertEquals(STEPS, opt.steps());
        for (int i = 0; i < N; i++) {
            double actual = params.getFloat(i);
            assertEquals(p[i], actual, 2e-5 * Math.max(1, Math.abs(p[i])), "parameter " + i);
        }
    }

    private static INDArray flat() {
        return Nd4j.zeros(DataType.FLOAT, N);
    }

    @ParameterizedTest(name = "momentum={0} dampening={1} wd={2} nesterov={3}")
    @CsvSource({"0,0,0,false", "0.9,0,0,false", "0.9,0.1,0.01,false", "0.9,0,0.001,true", "0,0,0.05,false"})
    void sgdMatchesTorch(double momentum, double dampening, double wd, boolean nesterov) {
        INDArray params = flat();
        INDArray grads = flat();
        Sgd sgd = new Sgd(params, grads, momentum, dampening, wd, nesterov);
        double[] buf = new double[N];
        compare(sgd, params, grads, (p, g, lr, t) -> {
            for (int i = 0; i < N; i++) {
                double d = g[i] + wd * p[i];
                if (momentum != 0) {
                    buf[i] = t == 1 ? d : momentum * buf[i] + (1 - dampening) * d;
                    d = nesterov ? d + momentum * buf[i] : buf[i];
                }
                p[i] -= lr * d;
            }
        }, 0.05);
    }

    @ParameterizedTest(name = "betas=({0},{1}) eps={2} wd={3} amsgrad={4}")
    @CsvSource({"0.9,0.999,1e-8,0,false", "0.8,0.99,1e-6,0.01,false", "0.9,0.999,1e-8,0,true", "0.5,0.9,1e-3,0.1,true"})
    void adamMatchesTorch(double b1, double b2, double eps, double wd, boolean amsgrad) {
        INDArray params = flat();
        INDArray grads = flat();
        Adam adam = new Adam(params, grads, b1, b2, eps, wd, amsgrad);
        double[] m = new double[N];
        double[] v = new double[N];
        double[] vmax = new double[N];
        compare(adam, params, grads, (p, g, lr, t) -> {
            for (int i = 0; i < N; i++) {
                double d = g[i] + wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                v[i] = b2 * v[i] + (1 - b2) * d * d;
                vmax[i] = Math.max(vmax[i], v[i]);
                double vhat = (amsgrad ? vmax[i] : v[i]) / (1 - Math.pow(b2, t));
                double mhat = m[i] / (1 - Math.pow(b1, t));
                p[i] -= lr * mhat / (Math.sqrt(vhat) + eps);
            }
        }, 0.01);
    }

    /**
     * NAdam with PyTorch 2.x's {@code decoupled_weight_decay=True} (NAdamW), which the golden
     * vectors (generated with PyTorch 1.13, which lacks the option) do not cover.
     */
    @ParameterizedTest(name = "wd={0} decoupled={1}")
    @CsvSource({"0.1,true", "0.1,false"})
    void nadamMatchesTorch2(double wd, boolean decoupled) {
        INDArray params = flat();
        INDArray grads = flat();
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double psi = 4e-3;
        NAdam nadam = new NAdam(params, grads, b1, b2, eps, wd, psi, decoupled);
        double[] m = new double[N];
        double[] v = new double[N];
        double[] muProduct = {1};
        compare(nadam, params, grads, (p, g, lr, t) -> {
            double mu = b1 * (1 - 0.5 * Math.pow(0.96, t * psi));
            double muNext = b1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * psi));
            muProduct[0] *= mu;
            for (int i = 0; i < N; i++) {
                if (decoupled) {
                    p[i] *= 1 - lr * wd;
                }
                double d = decoupled ? g[i] : g[i] + wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                v[i] = b2 * v[i] + (1 - b2) * d * d;
                double denom = Math.sqrt(v[i] / (1 - Math.pow(b2, t))) + eps;
                p[i] -= lr * (1 - mu) / (1 - muProduct[0]) * d / denom
                        + lr * muNext / (1 - muProduct[0] * muNext) * m[i] / denom;
            }
        }, 0.01);
    }

    /**
     * Weight decay as an L2 term (Adam) versus decoupled (AdamW), from the same state, one step:
     * <pre>
     *   Adam + L2: g' = g + wd p;  p1 = p - lr g' / (|g'| + eps)            (first step: m^ = g', v^ = g'^2)
     *   AdamW:     p1 = p (1 - lr wd) - lr g / (|g| + eps)
     * </pre>
     * The L2 term passes through the adaptive normalization (so it is divided away for large
     * gradients), the decoupled one does not: with a gradient 100x the decay term, Adam + L2 moves
     * the parameter by almost exactly lr, AdamW by lr plus lr * wd * p.
     */
    @Test
    void decoupledWeightDecayDiffersFromL2AsTheFormulasSay() {
        float[] p0 = {1.0f, -2.0f, 0.5f};
        float[] g = {100f, -0.01f, 0f};
        double lr = 0.01;
        double wd = 0.1;
        double eps = 1e-8;
        INDArray pa = Nd4j.create(p0.clone());
        INDArray ga = Nd4j.create(g.clone());
        new Adam(pa, ga, 0.9, 0.999, eps, wd, false).step(lr, 1f);
        INDArray pw = Nd4j.create(p0.clone());
        INDArray gw = Nd4j.create(g.clone());
        new AdamW(pw, gw, 0.9, 0.999, eps, wd, false).step(lr, 1f);
        for (int i = 0; i < p0.length; i++) {
            double l2 = g[i] + wd * p0[i];
            double adam = p0[i] - lr * l2 / (Math.abs(l2) + eps);
            double adamw = p0[i] * (1 - lr * wd) - lr * g[i] / (Math.abs(g[i]) + eps);
            assertEquals(adam, pa.getFloat(i), 1e-6, "Adam + L2, element " + i);
            assertEquals(adamw, pw.getFloat(i), 1e-6, "AdamW, element " + i);
        }
        // Element 2 has no gradient: L2 alone moves it by a full lr step toward 0, AdamW shrinks it by lr * wd * p.
        assertEquals(0.5 - lr, pa.getFloat(2), 1e-6);
        assertEquals(0.5 * (1 - lr * wd), pw.getFloat(2), 1e-7);
    }

    @Test
    void adamStateIsNamedLikeTorch() {
        Adam adam = new Adam(flat(), flat(), 0.9, 0.999, 1e-8, 0, true);
        assertEquals(List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), adam.stateNames());
        Sgd sgd = new Sgd(flat(), flat(), 0.9, 0, 0, false);
        assertEquals(List.of("momentum_buffer"), sgd.stateNames());
    }

    @Test
    void momentsDecayingIntoSubnormalsAreFlushedToZero() {
        INDArray params = Nd4j.zeros(DataType.FLOAT, 2);
        INDArray grads = Nd4j.zeros(DataType.FLOAT, 2);
        Adam adam = new Adam(params, grads, 0.9, 0.999, 1e-8, 0, false);
        grads.putScalar(0, 1f);
        grads.putScalar(1, 1f);
        adam.step(1e-3, 1f);
        grads.putScalar(0, 0f); // element 0 never gets a gradient again; element 1 keeps one
        float[] m = adam.state("exp_avg");
        for (int t = 2; t <= 64 * 14; t++) {
            adam.step(1e-3, 1f);
            assertTrue(m[0] == 0f || Math.abs(m[0]) >= Float.MIN_NORMAL || t % 64 != 0,
                    "step " + t + ": exp_avg " + m[0] + " is subnormal right after a sweep");
        }
        assertEquals(0f, m[0], "0.1 * 0.9^895 underflowed and was flushed, not left subnormal");
        assertEquals(1f, m[1], 1e-6, "a live moment is untouched");
    }

    @Test
    void clipperFollowsClipGradNorm() {
        INDArray g = Nd4j.create(new float[] {3, 4}); // norm 5
        GradientClipper.Decision d = GradientClipper.globalNorm(1.0).clip(g);
        assertEquals(5.0, d.norm(), 1e-6);
        assertTrue(d.clipped());
        assertEquals(1.0 / (5 + 1e-6), d.scale(), 1e-7);
        GradientClipper.Decision loose = GradientClipper.globalNorm(10).clip(g);
        assertEquals(1f, loose.scale());
        assertTrue(!loose.clipped());
    }

    @Test
    void nonFiniteGradientSkipsTheStepAndLeavesStateAlone() {
        INDArray g = Nd4j.create(new float[] {1, Float.NaN});
        assertTrue(GradientClipper.globalNorm(1.0).clip(g).skip());
        assertTrue(GradientClipper.none().clip(Nd4j.create(new float[] {Float.POSITIVE_INFINITY, 0})).skip());
    }
}
