package io.streamfit.landscape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.ParamTensor;
import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Filter normalization (Li et al. 2018): each filter at theta's filter norm, 1-D tensors unperturbed. */
class DirectionsTest {
    private static final String SPEC = """
            id: directions
            topic: t
            input_width: 3
            task: {type: classification, classes: 2}
            layers:
              - {type: dense, units: 5}
              - {type: layer_norm}
              - {type: relu}
              - type: residual
                layers: [{type: dense, units: 4}, {type: relu}, {type: dense, units: 5}]
              - {type: batch_norm}
              - {type: dense, units: 2}
            optimizer: {type: sgd, lr: 0.1}
            batch_size: 8
            %s
            """;

    private static LossSurface surface(String extra) {
        ModelSpec spec = SpecParser.parse(SPEC.formatted(extra));
        ModelState live = ModelState.fresh(spec);
        SplitMix64 rng = new SplitMix64(4);
        double[] xs = new double[6 * 3];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = rng.nextGaussian();
        }
        INDArray x = Nd4j.create(xs, new long[] {6, 3}, DataType.DOUBLE);
        return new LossSurface(spec, live.network().params(), live.network().buffers(), x, new float[] {0, 1, 1, 0, 1, 0}, 1);
    }

    private static double norm(INDArray flat, long from, long length) {
        double s = 0;
        for (long i = from; i < from + length; i++) {
            s += flat.getDouble(i) * flat.getDouble(i);
        }
        return Math.sqrt(s);
    }

    @Test
    void everyFilterHasThetasFilterNormAndOneDimensionalTensorsAreZero() {
        LossSurface s = surface("");
        INDArray theta = s.center();
        INDArray d = Directions.filterNormalized(s.network(), theta, new SplitMix64(8));
        assertEquals(theta.length(), d.length());
        List<String> weights = new ArrayList<>();
        int vectors = 0;
        for (ParamTensor t : s.network().tensors()) {
            if (t.shape().length == 2) {
                weights.add(t.name());
                long filters = t.shape()[0];
                long size = t.shape()[1];
                double cosines = 0;
                for (long f = 0; f < filters; f++) {
                    long from = t.offset() + f * size;
                    double target = norm(theta, from, size);
                    assertTrue(target > 0);
                    assertEquals(target, norm(d, from, size), 1e-12 * target, t.name() + " filter " + f);
                    double dot = 0;
                    for (long i = from; i < from + size; i++) {
                        dot += theta.getDouble(i) * d.getDouble(i);
                    }
                    cosines += Math.abs(dot) / (target * target);
                }
                assertTrue(cosines / filters < 0.99, t.name() + ": a random direction, not theta's own");
            } else {
                vectors++;
                assertEquals(0.0, norm(d, t.offset(), t.length()), 0.0, t.name() + " is not perturbed");
            }
        }
        // Rows are output units: dense weights are [out, in], as nn.Linear's.
        assertEquals(List.of("0.weight", "3.body.0.weight", "3.body.2.weight", "5.weight"), weights);
        assertEquals(8, vectors, "4 biases, layer norm's and batch norm's weight and bias");
        INDArray again = Directions.filterNormalized(s.network(), theta, new SplitMix64(8));
        assertEquals(d, again, "seeded");
    }

    @Test
    void theSurfaceOverloadLeavesFrozenTensorsAlone() {
        LossSurface s = surface("freeze: [\"3\"]");
        assertEquals(4, s.frozenRanges().size(), "the residual block's two weights and two biases");
        INDArray d = Directions.filterNormalized(s, new SplitMix64(8));
        INDArray free = Directions.filterNormalized(s.network(), s.center(), new SplitMix64(8));
        for (ParamTensor t : s.network().tensors()) {
            double n = norm(d, t.offset(), t.length());
            if (t.name().startsWith("3.body.")) {
                assertEquals(0.0, n, 0.0, t.name() + " is frozen");
            } else {
                assertEquals(norm(free, t.offset(), t.length()), n, 0.0, t.name());
            }
        }
        assertTrue(norm(d, 0, 15) > 0, "0.weight is perturbed");
    }
}
