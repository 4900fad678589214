package io.streamfit.landscape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.SplitMix64;
import io.streamfit.nn.SymmetricEigen;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Power iteration on finite-difference Hessian products against the closed-form Hessian of a linear model under MSE. */
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
        assertTrue(err < 1e-8, "relative error of H v: " + err + "\nnumeric " + numeric + "\nexact   " + exact);
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
}
