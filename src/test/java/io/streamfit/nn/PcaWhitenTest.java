package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PcaWhitenTest {

    @Test
    void jacobiDecomposesSymmetricMatrices() {
        SplitMix64 rng = new SplitMix64(1);
        int n = 7;
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i * n + j] = a[j * n + i] = rng.nextGaussian();
            }
        }
        SymmetricEigen e = SymmetricEigen.of(a, n);
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                assertTrue(e.values()[k] <= e.values()[k - 1], "descending");
            }
            double[] v = e.vector(k);
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += a[i * n + j] * v[j];
                }
                assertEquals(e.values()[k] * v[i], av, 1e-10, "A v = lambda v");
            }
            for (int l = 0; l < n; l++) {
                double dot = 0;
                double[] w = e.vector(l);
                for (int i = 0; i < n; i++) {
                    dot += v[i] * w[i];
                }
                assertEquals(k == l ? 1 : 0, dot, 1e-10, "orthonormal");
            }
        }
        double trace = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            trace += a[i * n + i];
            sum += e.values()[i];
        }
        assertEquals(trace, sum, 1e-10);
    }

    /** Correlated data with a mean: x = z A^T + mu, z standard normal. */
    private static List<INDArray> batches(int count, int rows, long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        double[][] a = {{3, 0, 0, 0}, {2, 1, 0, 0}, {0, 0.5, 0.2, 0}, {1, 1, 1, 0.1}};
        double[] mu = {5, -3, 0.5, 10};
        List<INDArray> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            double[][] x = new double[rows][4];
            for (int r = 0; r < rows; r++) {
                double[] z = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
                for (int i = 0; i < 4; i++) {
                    x[r][i] = mu[i];
                    for (int j = 0; j < 4; j++) {
                        x[r][i] += a[i][j] * z[j];
                    }
                }
            }
            out.add(Nd4j.create(x));
        }
        return out;
    }

    private static INDArray covariance(INDArray y) {
        INDArray c = y.subRowVector(y.mean(0));
        return c.transpose().mmul(c).divi(y.rows());
    }

    private static PcaWhiten trained(boolean zca, List<INDArray> data) {
        PcaWhiten layer = new PcaWhiten(4, 1e-9, zca, 256, 0);
        Network net = new Network(List.of(layer), DataType.DOUBLE);
        net.initialize(new SplitMix64(0));
        for (INDArray x : data) {
            net.forward(x);
            net.commitTrainingStep();
        }
        return layer;
    }

    @Test
    void whitenedDataHasIdentityCovarianceAndPcaOrdersByVariance() {
        List<INDArray> data = batches(16, 64, 2); // 1024 examples: refreshes at 256, 512, 768, 1024
        INDArray all = Nd4j.vstack(data.toArray(new INDArray[0]));
        for (boolean zca : new boolean[] {false, true}) {
            PcaWhiten layer = trained(zca, data);
            INDArray y = layer.forward(all);
            INDArray cov = covariance(y);
            // diagonal lambda / (lambda + eps): within 1e-5 of 1 for the smallest lambda (~1e-4) here
            assertTrue(cov.sub(Nd4j.eye(4)).amaxNumber().doubleValue() < 1e-4,
                    (zca ? "ZCA" : "PCA") + " output covariance is the identity:\n" + cov);
            assertTrue(y.mean(0).amaxNumber().doubleValue() < 1e-9, "and the mean is 0");
            INDArray w = layer.whitening();
            if (zca) {
                assertTrue(w.sub(w.transpose()).amaxNumber().doubleValue() < 1e-12, "ZCA's W is symmetric");
            } else {
                double[] rowNorms = w.norm2(1).toDoubleVector();
                for (int k = 1; k < 4; k++) {
                    assertTrue(rowNorms[k] >= rowNorms[k - 1], "row k of W is u_k / sqrt(lambda_k): lambda descending");
                }
            }
        }
    }

    @Test
    void theMapIsTheIdentityUntilTheFirstRefreshAndFixedBetweenRefreshes() {
        List<INDArray> data = batches(6, 64, 3);
        PcaWhiten layer = new PcaWhiten(4, 1e-5, false, 256, 0);
        Network net = new Network(List.of(layer), DataType.DOUBLE);
        net.initialize(new SplitMix64(0));
        INDArray probe = data.get(0).getRows(0, 1, 2);
        for (int b = 0; b < 3; b++) {
            assertEquals(probe, layer.forward(probe), "identity before 256 examples");
            net.forward(data.get(b));
            net.commitTrainingStep();
        }
        net.forward(data.get(3));
        net.commitTrainingStep(); // 256: first refresh
        INDArray first = layer.forward(probe);
        assertTrue(first.sub(probe).amaxNumber().doubleValue() > 0.1, "whitening now");
        net.forward(data.get(4));
        net.commitTrainingStep(); // 320: statistics move, the map does not
        assertEquals(first, layer.forward(probe));
    }

    @Test
    void inputGradientIsTheTransposedMap() {
        PcaWhiten layer = trained(false, batches(4, 64, 4));
        INDArray x = batches(1, 5, 5).get(0);
        INDArray dy = batches(1, 5, 6).get(0);
        INDArray dx = layer.backward(x, layer.forward(x), dy, Nd4j.create(DataType.DOUBLE, 5, 4));
        double h = 1e-5;
        for (int r = 0; r < 5; r++) {
            for (int c = 0; c < 4; c++) {
                double orig = x.getDouble(r, c);
                x.putScalar(r, c, orig + h);
                double plus = layer.forward(x).mul(dy).sumNumber().doubleValue();
                x.putScalar(r, c, orig - h);
                double minus = layer.forward(x).mul(dy).sumNumber().doubleValue();
                x.putScalar(r, c, orig);
                assertEquals((plus - minus) / (2 * h), dx.getDouble(r, c), 1e-6);
            }
        }
    }

    @Test
    void freezeAfterFixesTheMap() {
        List<INDArray> data = batches(10, 64, 7);
        PcaWhiten layer = new PcaWhiten(4, 1e-5, true, 100_000, 192);
        Network net = new Network(List.of(layer), DataType.DOUBLE);
        net.initialize(new SplitMix64(0));
        for (int b = 0; b < 3; b++) {
            net.forward(data.get(b));
            net.commitTrainingStep();
        }
        double[] frozen = layer.whitening().dup().data().asDouble();
        assertTrue(frozen[1] != 0, "refreshed on reaching freeze_after = 192");
        for (int b = 3; b < 10; b++) {
            net.forward(data.get(b));
            net.commitTrainingStep();
        }
        assertArrayEquals(frozen, layer.whitening().dup().data().asDouble());
        assertEquals(192, net.bufferTensors().get(0).value().getDouble(0), "statistics stop too");
    }
}
