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

/**
 * The fused float32 dense path ({@link DenseKernel}, and a relu fused into the dense layer before
 * it by {@link LayerChain}) against the ND4J ops it replaces: the training forward pass equals
 * prediction (which runs every layer on its own through ND4J) bit for bit, and the gradients equal
 * the float64 network's (ND4J ops, no fusion) to float32 precision, for a plain MLP and for a
 * residual block whose body ends in dense + relu (its skip path reads the same gradient).
 */
class DenseKernelTest {
    private static List<Layer> mlp() {
        return List.of(new Dense(9, 16), new Activation(Activation.Kind.RELU, 16), new Dense(16, 16),
                new Activation(Activation.Kind.RELU, 16),
                new Residual(16, List.of(new Dense(16, 16), new Activation(Activation.Kind.RELU, 16))),
                new Dense(16, 4));
    }

    private static List<Network> float64AndFloat32() {
        List<Network> nets = new ArrayList<>();
        for (DataType t : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            nets.add(new Network(mlp(), t));
        }
        nets.get(0).initialize(new SplitMix64(3));
        nets.get(1).params().assign(nets.get(0).params().castTo(DataType.FLOAT));
        return nets;
    }

    @Test
    void trainingForwardEqualsPredictionBitForBit() {
        Network net = float64AndFloat32().get(1);
        for (int rows : new int[] {1, 7, 64}) {
            INDArray x = TestTensors.random(new SplitMix64(rows), rows, 9).castTo(DataType.FLOAT);
            INDArray[] acts = net.forward(x);
            INDArray predicted = net.predict(x);
            assertArrayEquals(predicted.reshape(-1).toFloatVector(), acts[acts.length - 1].reshape(-1).toFloatVector(),
                    "rows " + rows);
            // the fused pair's two activations are the ReLU's output, never negative
            assertTrue(acts[2] == acts[1] && acts[2].minNumber().doubleValue() >= 0, "rows " + rows);
        }
    }

    @Test
    void gradientsEqualTheUnfusedFloat64Network() {
        List<Network> nets = float64AndFloat32();
        for (int rows : new int[] {1, 7, 64}) {
            INDArray x = TestTensors.random(new SplitMix64(100 + rows), rows, 9);
            float[] target = new float[rows];
            for (int r = 0; r < rows; r++) {
                target[r] = r % 4;
            }
            INDArray[] grads = new INDArray[2];
            for (int k = 0; k < 2; k++) {
                Network net = nets.get(k);
                INDArray[] acts = net.forward(x.castTo(net.dataType()));
                INDArray dOut = Nd4j.create(net.dataType(), rows, 4);
                new SoftmaxCrossEntropy().evaluate(acts[acts.length - 1], target, dOut);
                INDArray dOutBefore = dOut.dup();
                net.backward(acts, dOut);
                assertEquals(dOutBefore, dOut, "backward leaves the output gradient as it is");
                grads[k] = net.grads().castTo(DataType.DOUBLE);
            }
            double err = grads[0].sub(grads[1]).norm2Number().doubleValue() / grads[0].norm2Number().doubleValue();
            assertTrue(err < 1e-5, "rows " + rows + ": float32 fused vs float64 gradient relative error " + err);
        }
    }

    @Test
    void singleRowProductsEqualGemmToFloat32Rounding() {
        SplitMix64 rng = new SplitMix64(11);
        INDArray w = TestTensors.random(rng, 256, 784).castTo(DataType.FLOAT);
        INDArray x = TestTensors.random(rng, 1, 784).castTo(DataType.FLOAT);
        INDArray dy = TestTensors.random(rng, 1, 256).castTo(DataType.FLOAT);
        INDArray y = Nd4j.create(DataType.FLOAT, 1, 256), dx = Nd4j.create(DataType.FLOAT, 1, 784);
        assertTrue(SingleRowBlas.xWt(x, w, y) && SingleRowBlas.dyW(dy, w, dx));
        INDArray yRef = Nd4j.gemm(x, w, false, true), dxRef = Nd4j.gemm(dy, w, false, false);
        assertTrue(y.sub(yRef).norm2Number().doubleValue() < 1e-5 * yRef.norm2Number().doubleValue(), "x W^T");
        assertTrue(dx.sub(dxRef).norm2Number().doubleValue() < 1e-5 * dxRef.norm2Number().doubleValue(), "dy W");
        // two rows, or float64, are the caller's GEMM
        assertTrue(!SingleRowBlas.xWt(Nd4j.create(DataType.FLOAT, 2, 784), w, Nd4j.create(DataType.FLOAT, 2, 256)));
        assertTrue(
                !SingleRowBlas.xWt(x.castTo(DataType.DOUBLE), w.castTo(DataType.DOUBLE), Nd4j.create(DataType.DOUBLE, 1, 256)));
    }

    @Test
    void reluKeepsNd4jSemanticsAtZeroAndNaN() {
        // bias -1 brings 1 to exactly 0, -2 below it; NaN passes through (a diverging step stays visible)
        float[] z = {1f, -1f, Float.NaN, 3f};
        DenseKernel.biasForward(z, 1, 4, new float[] {-1f, 0f, 0f, -1f}, true);
        assertArrayEquals(new float[] {0f, 0f, Float.NaN, 2f}, z);
        float[] dy = {5f, 6f, 7f, 8f, 1f, 1f, 1f, 1f};
        float[] y = {0f, 0.5f, Float.NaN, 2f, 1f, 0f, 1f, 1f};
        float[] db = {9f, 9f, 9f, 9f};
        DenseKernel.biasBackward(dy, y, 2, 4, db);
        // the gradient is dy where y > 0: 0 at 0 (as PyTorch) and at NaN (as ND4J's relu_bp)
        assertArrayEquals(new float[] {0f, 6f, 0f, 8f, 1f, 0f, 1f, 1f}, dy);
        assertArrayEquals(new float[] {1f, 6f, 1f, 9f}, db);
    }
}
