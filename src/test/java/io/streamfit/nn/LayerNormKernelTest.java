package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The fused float32 layer norm against the ND4J formulation in float64 (the path the gradient
 * checks verify): forward, input gradient and parameter gradients agree to float32 precision,
 * for several widths and batch sizes, through the inference and the training entry points.
 */
class LayerNormKernelTest {

    private record Bound(LayerNorm layer, INDArray dw, INDArray db) {}

    private static Bound bound(int width, INDArray w, INDArray b, DataType type) {
        LayerNorm ln = new LayerNorm(width, 1e-5);
        INDArray flat = Nd4j.zeros(type, 2L * width);
        INDArray grads = Nd4j.zeros(type, 2L * width);
        INDArray pw = flat.get(NDArrayIndex.interval(0, width)).assign(w.castTo(type));
        INDArray pb = flat.get(NDArrayIndex.interval(width, 2 * width)).assign(b.castTo(type));
        INDArray dw = grads.get(NDArrayIndex.interval(0, width));
        INDArray db = grads.get(NDArrayIndex.interval(width, 2 * width));
        ln.bind(List.of(pw, pb), List.of(dw, db));
        return new Bound(ln, dw, db);
    }

    @Test
    void fusedFloatMatchesNd4jDouble() {
        SplitMix64 rng = new SplitMix64(7);
        for (int[] shape : new int[][] {{1, 5}, {3, 7}, {16, 256}, {65, 33}}) {
            int rows = shape[0];
            int width = shape[1];
            INDArray x = TestTensors.random(rng, rows, width).muli(3).addi(1.5);
            INDArray dy = TestTensors.random(rng, rows, width);
            INDArray w = TestTensors.random(rng, width).muli(0.5).addi(1);
            INDArray b = TestTensors.random(rng, width);
            Bound ref = bound(width, w, b, DataType.DOUBLE);
            Bound fused = bound(width, w, b, DataType.FLOAT);
            INDArray xf = x.castTo(DataType.FLOAT);
            INDArray dyf = dy.castTo(DataType.FLOAT);

            assertTrue(fused.layer().fused(xf, dyf), "float32 takes the fused path");
            INDArray yRef = ref.layer().forward(x, Nd4j.create(DataType.DOUBLE, rows, width));
            INDArray yInfer = fused.layer().forward(xf);
            INDArray yTrain = fused.layer().forwardTraining(xf, Nd4j.create(DataType.FLOAT, rows, width), null);
            close(yRef, yInfer, 1e-5, "forward " + rows + "x" + width);
            assertEquals(yInfer, yTrain, "training and inference forward give the same bits");

            INDArray dxRef = ref.layer().backward(x, yRef, dy, Nd4j.create(DataType.DOUBLE, rows, width));
            INDArray dxBuf = Nd4j.create(DataType.FLOAT, rows, width);
            INDArray dx = fused.layer().backward(xf, yTrain, dyf, dxBuf);
            assertTrue(dx == dxBuf, "the input gradient is written into the caller's buffer");
            close(dxRef, dx, 2e-4, "dx " + rows + "x" + width);
            close(ref.dw(), fused.dw(), 1e-4 * rows, "dweight " + rows + "x" + width);
            close(ref.db(), fused.db(), 1e-5 * rows, "dbias " + rows + "x" + width);

            fused.dw().assign(0);
            assertNull(fused.layer().backward(xf, yTrain, dyf, null));
            close(ref.dw(), fused.dw(), 1e-4 * rows, "dweight without dx");
        }
    }

    private static void close(INDArray expected, INDArray actual, double tol, String what) {
        double[] e = expected.dup().castTo(DataType.DOUBLE).data().asDouble();
        double[] a = actual.dup().castTo(DataType.DOUBLE).data().asDouble();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), what + " [" + i + "]");
        }
    }
}
