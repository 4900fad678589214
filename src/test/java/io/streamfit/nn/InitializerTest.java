package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The initializers against {@code torch.nn.init}'s formulas: sample mean and variance of a
 * 256 x 784 tensor (200,704 draws) against the formula for its fans, with tolerances of about
 * five standard errors; bounds of the uniform ones; orthogonality of the orthogonal one.
 */
class InitializerTest {
    private static final long[] SHAPE = {256, 784};
    private static final int N = 256 * 784;

    private static float[] draw(Initializer init, long[] shape, long seed) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] out = new float[n];
        init.fill(out, shape, new SplitMix64(seed));
        return out;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double variance(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return s / (v.length - 1);
    }

    private static void assertMoments(float[] v, double mean, double var) {
        double se = Math.sqrt(var / v.length);
        assertEquals(mean, mean(v), 5 * se + 1e-12, "mean");
        // Standard error of a sample variance is var * sqrt(2 / n) for a normal (less for a uniform).
        assertEquals(var, variance(v), 5 * var * Math.sqrt(2.0 / v.length), "variance");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // name, expected variance for fan_in = 784, fan_out = 256
            "xavier_uniform gain 1, 0.0019230769230769232", // 2 / (784 + 256)
            "xavier_normal gain 1.5, 0.004326923076923077", // 1.5^2 * 2 / 1040
            "kaiming_uniform relu fan_in, 0.002551020408163265", // 2 / 784
            "kaiming_normal relu fan_out, 0.0078125", // 2 / 256
            "kaiming_normal leaky_relu 0.2 fan_in, 0.0024529042386185243", // 2 / (1 + 0.04) / 784
            "kaiming_uniform tanh fan_in, 0.003543083900226757", // (5/3)^2 / 784
            "lecun_normal, 0.0012755102040816326", // 1 / 784
    })
    void varianceFollowsTheFans(String name, double expectedVar) {
        Initializer init = switch (name) {
            case "xavier_uniform gain 1" -> Initializer.xavierUniform(1);
            case "xavier_normal gain 1.5" -> Initializer.xavierNormal(1.5);
            case "kaiming_uniform relu fan_in" -> Initializer.kaimingUniform(Initializer.gain("relu", 0), false);
            case "kaiming_normal relu fan_out" -> Initializer.kaimingNormal(Initializer.gain("relu", 0), true);
            case "kaiming_normal leaky_relu 0.2 fan_in" -> Initializer.kaimingNormal(Initializer.gain("leaky_relu", 0.2), false);
            case "kaiming_uniform tanh fan_in" -> Initializer.kaimingUniform(Initializer.gain("tanh", 0), false);
            case "lecun_normal" -> Initializer.lecunNormal();
            default -> throw new IllegalArgumentException(name);
        };
        float[] w = draw(init, SHAPE, 1);
        assertMoments(w, 0, expectedVar);
        if (name.contains("uniform")) {
            double bound = Math.sqrt(3 * expectedVar);
            double max = 0;
            for (float x : w) {
                max = Math.max(max, Math.abs(x));
            }
            assertTrue(max <= bound * (1 + 1e-6), "within U(-" + bound + ", " + bound + "), max " + max);
            assertTrue(max > bound * 0.999, "reaches the bound, max " + max);
        }
    }

    @Test
    void normalUniformAndConstantTakeTheirParameters() {
        assertMoments(draw(Initializer.normal(0.5, 0.1), SHAPE, 2), 0.5, 0.01);
        float[] u = draw(Initializer.uniform(-0.3, 0.7), SHAPE, 3);
        assertMoments(u, 0.2, 1.0 / 12);
        for (float x : u) {
            assertTrue(x >= -0.3f && x < 0.7f, "in [a, b): " + x);
        }
        float[] c = draw(Initializer.constant(0.25), new long[] {10}, 4);
        for (float x : c) {
            assertEquals(0.25f, x);
        }
    }

    @Test
    void gainsAreTorchCalculateGain() {
        assertEquals(1.0, Initializer.gain("linear", 0));
        assertEquals(1.0, Initializer.gain("sigmoid", 0));
        assertEquals(5.0 / 3, Initializer.gain("tanh", 0));
        assertEquals(Math.sqrt(2), Initializer.gain("relu", 0));
        assertEquals(Math.sqrt(2 / (1 + 0.01 * 0.01)), Initializer.gain("leaky_relu", 0.01));
        assertEquals(0.75, Initializer.gain("selu", 0));
    }

    @ParameterizedTest(name = "{0}x{1} gain {2}")
    @CsvSource({"64, 128, 2.0", "128, 64, 1.0", "50, 50, 1.4142135623730951"})
    void orthogonalGivesOrthonormalRowsOrColumnsTimesGain(int rows, int cols, double gain) {
        float[] w = draw(Initializer.orthogonal(gain), new long[] {rows, cols}, 5);
        // The shorter side's vectors are orthonormal: W W^T = gain^2 I (wide) or W^T W = gain^2 I (tall).
        boolean wide = rows <= cols;
        int k = wide ? rows : cols;
        int n = wide ? cols : rows;
        double worst = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                double dot = 0;
                for (int t = 0; t < n; t++) {
                    double a = wide ? w[i * cols + t] : w[t * cols + i];
                    double b = wide ? w[j * cols + t] : w[t * cols + j];
                    dot += a * b;
                }
                worst = Math.max(worst, Math.abs(dot - (i == j ? gain * gain : 0)));
            }
        }
        assertTrue(worst < 1e-5 * gain * gain, "largest deviation from gain^2 I: " + worst);
    }

    @Test
    void fansNeedAMatrix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> draw(Initializer.xavierUniform(1), new long[] {10}, 1));
        assertTrue(e.getMessage().contains("2 or more dimensions"), e.getMessage());
        assertTrue(Initializer.orthogonal(1).needsFans());
        assertFalse(Initializer.normal(0, 1).needsFans());
    }

    @Test
    void theSpecChoosesInitializersAndTheSeedMakesThemReproducible() {
        String spec = """
                id: init
                topic: t
                input_width: 300
                task: {type: classification, classes: 2}
                layers:
                  - {type: dense, units: 200, weight_init: {type: kaiming_normal, nonlinearity: relu}, bias_init: {type: constant, val: 0.1}}
                  - {type: relu}
                  - {type: dense, units: 2}
                optimizer: {type: sgd}
                batch_size: 4
                seed: %d
                """;
        ModelState a = ModelState.fresh(SpecParser.parse(spec.formatted(1)));
        float[] w = a.network().tensors().get(0).value().dup().data().asFloat();
        assertMoments(w, 0, 2.0 / 300);
        for (float b : a.network().tensors().get(1).value().dup().data().asFloat()) {
            assertEquals(0.1f, b);
        }
        // The last layer keeps nn.Linear's default, U(-1/sqrt(200), 1/sqrt(200)).
        for (float x : a.network().tensors().get(2).value().dup().data().asFloat()) {
            assertTrue(Math.abs(x) <= 1 / Math.sqrt(200), "default init bound: " + x);
        }
        float[] again = ModelState.fresh(SpecParser.parse(spec.formatted(1))).network().params().toFloatVector();
        assertArrayEquals(a.network().params().toFloatVector(), again, "same seed, same parameters");
        float[] other = ModelState.fresh(SpecParser.parse(spec.formatted(2))).network().params().toFloatVector();
        assertFalse(Arrays.equals(again, other), "another seed, other parameters");
    }
}
