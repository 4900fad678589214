package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.SoftmaxCrossEntropy;
import io.streamfit.nn.SplitMix64;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AugmenterTest {
    private static final ModelSpec.ImageShape SQUARE = new ModelSpec.ImageShape(4, 4, 2);

    private static float[] image(ModelSpec.ImageShape s, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        float[] x = new float[s.height() * s.width() * s.channels()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    private static float at(float[] img, ModelSpec.ImageShape s, int r, int c, int ch) {
        return r < 0 || r >= s.height() || c < 0 || c >= s.width() ? 0f : img[(r * s.width() + c) * s.channels() + ch];
    }

    private static float[] transform(float[] src, ModelSpec.ImageShape s, boolean flip, double angle, int dy, int dx) {
        float[] out = new float[src.length];
        Augmenter.transform(src, 0, out, s, flip, angle, dy, dx);
        return out;
    }

    @Test
    void flipsShiftsAndQuarterTurnsMovePixelsExactly() {
        ModelSpec.ImageShape s = new ModelSpec.ImageShape(4, 5, 2);
        float[] src = image(s, 1);
        float[] flipped = transform(src, s, true, 0, 0, 0);
        float[] shifted = transform(src, s, false, 0, 1, -2);
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 5; c++) {
                for (int ch = 0; ch < 2; ch++) {
                    assertEquals(at(src, s, r, 4 - c, ch), at(flipped, s, r, c, ch), "flip at " + r + "," + c);
                    assertEquals(at(src, s, r - 1, c + 2, ch), at(shifted, s, r, c, ch), "shift at " + r + "," + c);
                }
            }
        }
        assertArrayEquals(src, transform(flipped, s, true, 0, 0, 0), "flipping twice is the identity");
        float[] turned = transform(image(SQUARE, 2), SQUARE, false, Math.PI / 2, 0, 0);
        float[] orig = image(SQUARE, 2);
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++) {
                for (int ch = 0; ch < 2; ch++) {
                    assertEquals(at(orig, SQUARE, c, 3 - r, ch), at(turned, SQUARE, r, c, ch), "quarter turn at " + r + "," + c);
                }
            }
        }
    }

    @Test
    void smallRotationsKeepACentredShapeAndInterpolate() {
        ModelSpec.ImageShape s = new ModelSpec.ImageShape(21, 21, 1);
        float[] blob = new float[21 * 21];
        for (int r = 0; r < 21; r++) {
            for (int c = 0; c < 21; c++) {
                double d2 = (r - 10) * (r - 10) + (c - 10) * (c - 10);
                blob[r * 21 + c] = (float) Math.exp(-d2 / 8);
            }
        }
        float[] rotated = transform(blob, s, false, Math.toRadians(10), 0, 0);
        double before = 0;
        double after = 0;
        double diff = 0;
        for (int i = 0; i < blob.length; i++) {
            before += blob[i];
            after += rotated[i];
            diff = Math.max(diff, Math.abs(blob[i] - rotated[i]));
        }
        assertEquals(before, after, before * 0.01, "bilinear sampling of a round blob keeps its mass");
        assertTrue(diff < 0.05, "a round blob looks the same rotated: max change " + diff);
        float[] bar = new float[21 * 21];
        for (int c = 0; c < 21; c++) {
            bar[10 * 21 + c] = 1; // a horizontal line through the centre
        }
        float[] tilted = transform(bar, s, false, Math.toRadians(10), 0, 0);
        assertTrue(tilted[10 * 21 + 10] > 0.99, "the centre stays");
        assertTrue(tilted[10 * 21 + 20] < 0.5, "the end of the line moved off its row");
        float v = tilted[9 * 21 + 20] + tilted[11 * 21 + 20] + tilted[8 * 21 + 20] + tilted[12 * 21 + 20];
        assertTrue(v > 0.5, "... onto the rows next to it");
    }

    @Test
    void randomTransformsStayWithinTheirRanges() {
        int w = 15;
        int n = w * w;
        ModelSpec.ImageShape s = new ModelSpec.ImageShape(w, w, 1);
        Augmenter aug = new Augmenter(new ModelSpec.AugmentationSpec(0, 2, true, 0), s);
        SplitMix64 rng = new SplitMix64(3);
        Set<Integer> moves = new HashSet<>();
        int rows = 2000;
        float[] x = new float[rows * n];
        for (int i = 0; i < rows; i++) {
            x[i * n + 7 * w + 2] = 1; // centre row, 5 left of centre: flipped it lands 5 right of centre
        }
        assertEquals(null, aug.apply(x, rows, n, rng), "no mixup");
        int flips = 0;
        for (int i = 0; i < rows; i++) {
            int where = -1;
            for (int k = 0; k < n; k++) {
                if (x[i * n + k] != 0) {
                    assertEquals(-1, where, "a single pixel stays a single pixel");
                    where = k;
                }
            }
            int r = where / w - 7;
            int c = where % w - 7;
            boolean flipped = c > 0;
            flips += flipped ? 1 : 0;
            int dx = flipped ? c - 5 : c + 5;
            assertTrue(Math.abs(r) <= 2 && Math.abs(dx) <= 2, "shift within 2: " + r + "," + dx);
            moves.add((r + 2) * 5 + dx + 2);
        }
        assertEquals(25, moves.size(), "every shift in [-2, 2]^2 occurs");
        assertEquals(0.5, flips / (double) rows, 5 * Math.sqrt(0.25 / rows), "half the images flipped");
    }

    @Test
    void mixupWeightsFollowBetaAndPairExamplesByAPermutation() {
        for (double alpha : new double[] {0.2, 2.0}) {
            SplitMix64 rng = new SplitMix64(4);
            int n = 20_000;
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double l = Augmenter.beta(rng, alpha);
                assertTrue(l >= 0 && l <= 1);
                sum += l;
                sq += l * l;
            }
            double mean = sum / n;
            double var = sq / n - mean * mean;
            double expectedVar = 1 / (4 * (2 * alpha + 1)); // Beta(a, a)
            assertEquals(0.5, mean, 5 * Math.sqrt(expectedVar / n), "Beta(" + alpha + ") mean");
            assertEquals(expectedVar, var, expectedVar * 0.05, "Beta(" + alpha + ") variance");
        }
        Augmenter aug = new Augmenter(new ModelSpec.AugmentationSpec(0.4, 0, false, 0), null);
        float[] x = {1, 10, 2, 20, 3, 30, 4, 40, 5, 50};
        float[] orig = x.clone();
        Augmenter.Mixup m = aug.apply(x, 5, 2, new SplitMix64(9));
        assertEquals(Set.of(0, 1, 2, 3, 4), Set.copyOf(Arrays.stream(m.partner()).boxed().toList()));
        for (int i = 0; i < 5; i++) {
            for (int k = 0; k < 2; k++) {
                double want = m.lambda() * orig[i * 2 + k] + (1 - m.lambda()) * orig[m.partner()[i] * 2 + k];
                assertEquals(want, x[i * 2 + k], 1e-5);
            }
        }
    }

    @Test
    void mixupLossGradientMatchesFiniteDifferences() {
        SplitMix64 rng = new SplitMix64(6);
        INDArray z = Nd4j.create(DataType.DOUBLE, 4, 3);
        for (long i = 0; i < z.length(); i++) {
            z.putScalar(i, rng.nextGaussian());
        }
        float[] y = {0, 2, 1, 2};
        Augmenter.Mixup mix = new Augmenter.Mixup(0.3, new int[] {2, 0, 3, 1});
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(0.1);
        INDArray grad = Nd4j.create(DataType.DOUBLE, 4, 3);
        INDArray scratch = Nd4j.create(DataType.DOUBLE, 4, 3);
        double value = Augmenter.mixupLoss(loss, z, y, 1, mix, grad, scratch);
        float[] yPartner = {1, 0, 2, 2}; // y[partner[i]]
        assertEquals(0.3 * loss.evaluate(z, y, null).lossSum() + 0.7 * loss.evaluate(z, yPartner, null).lossSum(), value, 1e-12);
        double h = 1e-6;
        for (long i = 0; i < z.length(); i++) {
            double orig = z.getDouble(i);
            z.putScalar(i, orig + h);
            double plus = Augmenter.mixupLoss(loss, z, y, 1, mix, Nd4j.create(DataType.DOUBLE, 4, 3), scratch) / 4;
            z.putScalar(i, orig - h);
            double minus = Augmenter.mixupLoss(loss, z, y, 1, mix, Nd4j.create(DataType.DOUBLE, 4, 3), scratch) / 4;
            z.putScalar(i, orig);
            assertEquals((plus - minus) / (2 * h), grad.getDouble(i), 1e-7, "d/dz[" + i + "]");
        }
    }

    @Test
    void augmentedTrainingRestoresExactlyAndScoresCleanInputs() throws Exception {
        ModelSpec spec = SpecParser.parse("""
                id: aug
                topic: t
                input_width: 8
                input_shape: [2, 2, 2]
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 8}, {type: relu}, {type: dense, units: 3}]
                optimizer: {type: adam, lr: 0.01}
                augmentation: {mixup: {alpha: 0.4}, shift: 1, horizontal_flip: true, rotation: 15}
                batch_size: 4
                seed: 7
                """);
        List<Batch> data = new ArrayList<>();
        SplitMix64 rng = new SplitMix64(2);
        for (int b = 0; b < 20; b++) {
            float[] x = new float[32];
            float[] y = new float[4];
            for (int i = 0; i < 32; i++) {
                x[i] = (float) rng.nextGaussian();
            }
            for (int i = 0; i < 4; i++) {
                y[i] = (float) Math.floor(3 * rng.nextDouble());
            }
            data.add(new Batch(4, 8, x, 1, y));
        }
        ModelState straight = ModelState.fresh(spec);
        ModelState first = ModelState.fresh(spec);
        ModelState plain = ModelState
                .fresh(SpecParser.parse(SpecParser.toJson(spec).replaceAll(",\"augmentation\":\\{[^}]*\\}[^}]*\\}", "")));
        for (int i = 0; i < 20; i++) {
            Batch b = data.get(i);
            float[] before = b.x().clone();
            StepResult r = straight.train(b);
            assertArrayEquals(before, b.x(), "the batch itself is never modified");
            if (i == 0) {
                StepResult p = plain.train(b);
                assertEquals(p.lossSum(), r.lossSum(), 1e-6, "the prequential score is on the clean inputs");
            }
            if (i < 9) {
                first.train(b);
            }
        }
        assertTrue(plain.spec().augmentation().equals(ModelSpec.AugmentationSpec.NONE), "the regex removed augmentation");
        ModelState resumed = SnapshotCodec.decode(SnapshotCodec.encode(first, 1, Map.of(), Map.of()), spec);
        for (Batch b : data.subList(9, 20)) {
            resumed.train(b);
        }
        assertArrayEquals(straight.network().params().toFloatVector(), resumed.network().params().toFloatVector(),
                "augmentation draws come from the snapshotted generator");
    }
}
