package io.streamfit.nn;

import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Helpers for gradient tests: seeded float64 arrays and central finite differences. */
final class TestTensors {
    static final double H = 1e-6;

    private TestTensors() {}

    /** Standard-normal float64 values of the given shape. */
    static INDArray random(SplitMix64 rng, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rng.nextGaussian());
        }
        return a;
    }

    /** d objective / d at[i] for every element of {@code at}, by central differences (at is restored). */
    static INDArray numericGradient(INDArray at, DoubleSupplier objective) {
        INDArray out = Nd4j.create(DataType.DOUBLE, at.shape());
        for (long i = 0; i < at.length(); i++) {
            double orig = at.getDouble(i);
            at.putScalar(i, orig + H);
            double plus = objective.getAsDouble();
            at.putScalar(i, orig - H);
            double minus = objective.getAsDouble();
            at.putScalar(i, orig);
            out.putScalar(i, (plus - minus) / (2 * H));
        }
        return out;
    }
}
