package io.streamfit.landscape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.SplitMix64;
import io.streamfit.nn.SymmetricEigen;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Power iteration on finite-difference Hessian products against the closed-form Hessian of a
 * linear model under MSE, and on a trained ReLU network, whose loss has kinks.
 */
class SharpnessTest {

    @Test
    void topEigenvalueOfALinearModelUnderMseMatchesTheClosedForm() {
        Quadratic q = new Quadratic(24, 3, 2, "");
        double exact = q.topEigenvalue();
        // The block's eigenvalues are the full Hessian's (each k times): the closed form is the right one.
        assertEquals(exact, SymmetricEigen.of(q.hessian(), q.k * (q.in + 1)).values()[0], 1e-12 * exact);
        Sharpness.Result r = Sharpness.topEigenvalue(q.surface, 200, 1e-10, new SplitMix64(1));
        assertTrue(r.converged(), "converged within 200 iterations: " + r);
        assertTrue(r.iterations() < 200, "stopped by the tolerance: " + r.iterations());
        assertEquals(exact, r.lambda(), 1e-6 * exact, "top eigenvalue");
        assertFalse(r.negativeCurvature());
        assertEquals(2 * r.iterations(), r.gradientEvaluations(), "two gradients per iteration");
        assertEquals(Sharpness.METHOD, r.method());
        assertEquals(Sharpness.step(q.surface.center()), r.epsilon());
    }

    @Test
    void centralDifferenceHessianVectorProductMatchesTheExactOne() {
        Quadratic q = new Quadratic(24, 3, 2, "");
        INDArray theta = q.surface.center();
        INDArray v = Quadratic.unitGaussian(q.surface.parameterCount(), new SplitMix64(99));
        INDArray numeric = Sharpness.hessianVector(q.surface, theta, v, Sharpness.step(theta));
        INDArray exact = q.hessianTimes(v);
        double err = numeric.sub(exact).norm2Number().doubleValue() / exact.norm2Number().doubleValue();
        // The rounding term u s / eps of the class comment: about 1e-8 at eps = 1e-8 s (measured: 2e-8).
        assertTrue(err < 1e-7, "relative error of H v: " + err + "\nnumeric " + numeric + "\nexact   " + exact);
    }

    /** Frozen biases: the sharpness of the weights alone, whose block is (2/(N k)) X^T X. */
    @Test
    void frozenTensorsAreLeftOut() {
        Quadratic q = new Quadratic(24, 3, 2, "freeze: [\"0.bias\"]");
        int m = q.in + 1;
        double[] full = q.block();
        double[] weights = new double[q.in * q.in];
        for (int i = 0; i < q.in; i++) {
            for (int j = 0; j < q.in; j++) {
                weights[i * q.in + j] = full[i * m + j];
            }
        }
        double exact = SymmetricEigen.of(weights, q.in).values()[0];
        assertTrue(Math.abs(exact - q.topEigenvalue()) > 1e-3 * exact, "the bias changes the top eigenvalue");
        Sharpness.Result r = Sharpness.topEigenvalue(q.surface, 200, 1e-10, new SplitMix64(1));
        assertTrue(r.converged());
        assertEquals(exact, r.lambda(), 1e-6 * exact);
    }

    @Test
    void theBudgetBoundsTheIterationsAndIsReported() {
        Quadratic q = new Quadratic(24, 3, 2, "");
        Sharpness.Result r = Sharpness.topEigenvalue(q.surface, 3, 0, new SplitMix64(1));
        assertFalse(r.converged(), "tolerance 0 cannot be met in 3 iterations of a non-trivial Hessian");
        assertEquals(3, r.iterations());
        assertEquals(6, r.gradientEvaluations());
        assertThrows(IllegalArgumentException.class, () -> Sharpness.topEigenvalue(q.surface, 1, 1e-6, new SplitMix64(1)));
    }

    /**
     * A ReLU network's loss is smooth only between kinks (a pre-activation of some row crossing 0).
     * Power iteration amplifies whatever direction makes {@code H v} large, and a difference
     * quotient whose points straddle a kink is large (a jump in the gradient over {@code 2 eps}), so
     * with too large a step it locks onto kinks. Here, a trained 4-block layer-norm ReLU MLP: with
     * the step of 1e-5 this class used before, power iteration "converged" to 21.26, four times
     * the Hessian's 5.148 (which steps of 1e-6, 1e-8 and 1e-10 all give); on Fashion-MNIST MLPs of
     * 10 layers it did not converge at all (docs/landscape.md). The default step must measure the
     * smooth piece: the same eigenvalue as a step 100 times smaller.
     */
    @Test
    void aReluNetworkIsMeasuredOnItsSmoothPieceNotAcrossKinks() {
        int in = 32;
        int rows = 500;
        int steps = 300;
        String block = "{type: layer_norm}, {type: relu}, {type: dense, units: 64, weight_init: {type: kaiming_uniform, "
                + "nonlinearity: relu}}, ";
        ModelSpec spec = SpecParser.parse("""
                id: kinks
                topic: t
                input_width: %d
                task: {type: classification, classes: 5}
                layers: [{type: dense, units: 64}, %s{type: relu}, {type: dense, units: 5}]
                optimizer: {type: sgd, lr: 0.05, momentum: 0.9}
                batch_size: 32
                seed: 5
                """.formatted(in, block.repeat(4)));
        // Non-negative inputs (like pixels), labels from a fixed linear rule: learnable.
        SplitMix64 rng = new SplitMix64(11);
        int n = rows + steps * 32;
        float[] x = new float[n * in];
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < in; i++) {
                x[r * in + i] = (float) Math.max(0, rng.nextGaussian());
            }
            for (int k = 0; k < 5; k++) {
                double score = 0;
                for (int i = 0; i < in; i++) {
                    score += x[r * in + i] * Math.sin(1.7 * i * (k + 1) + k);
                }
                if (score > best) {
                    best = score;
                    y[r] = k;
                }
            }
        }
        ModelState model = ModelState.fresh(spec);
        for (int s = 0; s < steps; s++) {
            int from = rows + s * 32;
            model.train(new Batch(32, in, Arrays.copyOfRange(x, from * in, (from + 32) * in), 1,
                    Arrays.copyOfRange(y, from, from + 32)));
        }
        LossSurface surface = new LossSurface(spec, model.network().params(), model.network().buffers(),
                Nd4j.create(Arrays.copyOf(x, rows * in), new long[] {rows, in}, 'c'), Arrays.copyOf(y, rows), 0);
        Sharpness.Result r = Sharpness.topEigenvalue(surface, 60, 1e-5, new SplitMix64(1));
        Sharpness.Result fine = Sharpness.topEigenvalue(surface, 60, 1e-5, new SplitMix64(1), r.epsilon() / 10);
        assertTrue(r.converged() && fine.converged(), r + "\n" + fine);
        assertEquals(fine.lambda(), r.lambda(), 1e-6 * fine.lambda(), "the smooth piece's top eigenvalue: " + r);
        assertTrue(r.lambda() > 1 && r.lambda() < 20, "about 5.148, as measured: " + r);
    }
}
