package io.streamfit.landscape;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.Loss;
import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelFactory;
import io.streamfit.train.ModelState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The float64 copy of a model as a deterministic function of its parameters, and its gradient. */
class LossSurfaceTest {
    private static final int ROWS = 6;

    private static ModelSpec spec(String layers) {
        return SpecParser.parse("""
                id: surface
                topic: t
                input_width: 4
                task: {type: classification, classes: 3}
                layers: %s
                optimizer: {type: sgd, lr: 0.1}
                batch_size: 8
                """.formatted(layers));
    }

    private static INDArray rows(long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        double[] xs = new double[ROWS * 4];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = rng.nextGaussian();
        }
        return Nd4j.create(xs, new long[] {ROWS, 4}, DataType.DOUBLE);
    }

    private static final float[] CLASSES = {0, 2, 1, 1, 0, 2};

    private static LossSurface surface(ModelSpec spec, long seed) {
        ModelState live = ModelState.fresh(spec);
        return new LossSurface(spec, live.network().params(), live.network().buffers(), rows(3), CLASSES, seed);
    }

    /** Central differences of loss() against gradient(), every coordinate. */
    private static void assertGradientMatchesLoss(LossSurface s) {
        INDArray theta = s.center();
        INDArray g = s.gradient(theta);
        double h = 1e-6;
        for (long i = 0; i < theta.length(); i++) {
            double orig = theta.getDouble(i);
            theta.putScalar(i, orig + h);
            double plus = s.loss(theta);
            theta.putScalar(i, orig - h);
            double minus = s.loss(theta);
            theta.putScalar(i, orig);
            assertEquals((plus - minus) / (2 * h), g.getDouble(i), 1e-6, "d loss / d theta[" + i + "]");
        }
    }

    @Test
    void dropoutMasksAreTheSameAtEveryEvaluation() {
        ModelSpec spec = spec("[{type: dense, units: 8}, {type: relu}, {type: dropout, p: 0.5}, {type: dense, units: 3}]");
        LossSurface s = surface(spec, 11);
        INDArray theta = s.center();
        double first = s.loss(theta);
        assertEquals(first, s.loss(theta), 0.0, "the same point, the same loss");
        assertEquals(first, s.loss(theta.dup()), 0.0);
        assertEquals(s.gradient(theta), s.gradient(theta), "and the same gradient");
        // The masks are really drawn: another seed drops other units.
        assertNotEquals(first, surface(spec, 12).loss(theta));
        assertGradientMatchesLoss(s);
    }

    @Test
    void aResidualModelWithNormalizationBuildsAndEvaluates() {
        ModelSpec spec = spec("""
                [{type: dense, units: 5}, {type: relu},
                 {type: residual, layers: [{type: layer_norm}, {type: dense, units: 4}, {type: tanh}, {type: dense, units: 5}]},
                 {type: batch_norm}, {type: dropout, p: 0.2}, {type: dense, units: 3}]""");
        ModelState live = ModelState.fresh(spec);
        INDArray buffers = live.network().buffers().dup();
        LossSurface s = new LossSurface(spec, live.network().params(), buffers, rows(3), CLASSES, 5);
        assertEquals(spec.parameterCount(), s.parameterCount());
        assertEquals(ROWS, s.rows());
        double l = s.loss(s.center());
        assertTrue(Double.isFinite(l) && l > 0, "cross-entropy " + l);
        assertGradientMatchesLoss(s);
        // Batch norm runs on the rows' statistics and never commits them: the copied buffers stay.
        assertArrayEquals(buffers.castTo(DataType.DOUBLE).toDoubleVector(), s.network().buffers().toDoubleVector(), 0.0);
    }

    /** Without layers that differ in training, the surface at its center is the live model's own loss on the rows. */
    @Test
    void theCenterIsTheLiveModelsLoss() {
        ModelSpec spec = spec("[{type: dense, units: 6}, {type: gelu}, {type: dense, units: 3}]");
        ModelState live = ModelState.fresh(spec);
        LossSurface s = new LossSurface(spec, live.network().params(), live.network().buffers(), rows(3), CLASSES, 0);
        assertEquals(DataType.FLOAT, live.network().params().dataType());
        assertEquals(DataType.DOUBLE, s.center().dataType());
        INDArray out = live.network().predict(rows(3).castTo(DataType.FLOAT));
        Loss.Result r = ModelFactory.loss(spec).evaluate(out, CLASSES, null);
        assertEquals(r.lossSum() / ROWS, s.loss(s.center()), 1e-5);
    }

    @Test
    void wrongShapesAreRefused() {
        ModelSpec spec = spec("[{type: dense, units: 3}]");
        ModelState live = ModelState.fresh(spec);
        INDArray p = live.network().params();
        INDArray b = live.network().buffers();
        assertThrows(IllegalArgumentException.class,
                () -> new LossSurface(spec, Nd4j.zeros(DataType.FLOAT, 3), b, rows(3), CLASSES, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new LossSurface(spec, p, b, Nd4j.zeros(DataType.DOUBLE, ROWS, 5), CLASSES, 0));
        LossSurface s = new LossSurface(spec, p, b, rows(3), CLASSES, 0);
        assertThrows(IllegalArgumentException.class, () -> s.loss(Nd4j.zeros(DataType.DOUBLE, 4)));
    }
}
