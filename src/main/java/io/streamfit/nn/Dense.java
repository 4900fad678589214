package io.streamfit.nn;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperValues;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fully connected layer, {@code torch.nn.Linear}: {@code y = x W^T + b} with {@code W} stored
 * {@code [out, in]} row-major and {@code b} {@code [out]}, exactly PyTorch's layout.
 *
 * <p>Backward: {@code dW = dy^T x}, {@code db = sum_rows(dy)}, {@code dx = dy W}: three BLAS
 * calls, written straight into the gradient views.
 *
 * <p>On the training thread, in float32, the bias add (and a {@code relu} right after the layer,
 * which {@link LayerChain} then fuses into it) runs as one Java pass over a bulk copy of the GEMM's
 * output ({@link DenseKernel}), and backward's ReLU mask and bias sum as another, instead of two
 * ND4J ops each way; the GEMMs stay BLAS (a single row's two products with the weight as
 * matrix-vector calls, {@link SingleRowBlas}). Prediction ({@link #forward}), float64 and views that are
 * not one contiguous run keep the ND4J ops, which {@code DenseKernelTest} holds the fused path to.
 */
public final class Dense implements Layer {
    /** {@code units} wide: {@code nn.Linear(in, units)}, weight {@code [units, in]} and bias {@code [units]}. */
    public static final LayerKind KIND = new LayerKind("dense", "nn.Linear", LayerKind.Role.LINEAR,
            List.of(HyperParameter.count("units", null, 1, LayerKind.MAX_WIDTH)), List.of("weight", "bias"), List.of(),
            new LayerKind.Sizing() {
                @Override
                public long outWidth(long inWidth, HyperValues options) {
                    return options.count("units");
                }

                @Override
                public List<long[]> parameterShapes(long inWidth, HyperValues options) {
                    long units = Math.max(options.count("units"), 0); // an invalid spec's count, still being reported
                    return List.of(new long[] {units, inWidth}, new long[] {units});
                }
            }, LayerKind.Limits.NONE, (in, options, body) -> new Dense(in, (int) options.count("units")));

    private final int in;
    private final int out;
    private INDArray weight;
    private INDArray bias;
    private INDArray dWeight;
    private INDArray dBias;
    // Training-thread scratch (forwardTraining and backward only; forward() may run on any thread).
    private float[] zs;
    private float[] ys;
    private float[] bs = new float[0];

    public Dense(int in, int out) {
        this.in = in;
        this.out = out;
    }

    @Override
    public String kind() {
        return KIND.name();
    }

    @Override
    public int inWidth() {
        return in;
    }

    @Override
    public int outWidth() {
        return out;
    }

    @Override
    public List<ParamShape> paramShapes() {
        return List.of(
                new ParamShape("weight", new long[] {out, in}, Init.LINEAR_DEFAULT),
                new ParamShape("bias", new long[] {out}, Init.LINEAR_DEFAULT));
    }

    @Override
    public void bind(List<INDArray> params, List<INDArray> grads) {
        weight = params.get(0);
        bias = params.get(1);
        dWeight = grads.get(0);
        dBias = grads.get(1);
    }

    @Override
    public INDArray forward(INDArray x, INDArray y) {
        if (y == null) {
            y = Nd4j.createUninitialized(x.dataType(), x.rows(), out);
        }
        xWt(x, y);
        return y.addiRowVector(bias);
    }

    @Override
    public INDArray forwardTraining(INDArray x, INDArray out, SplitMix64 rng) {
        return forwardTraining(x, out, false);
    }

    /**
     * The training forward pass, with {@code relu(x W^T + b)} written to {@code out} when
     * {@code relu}: the fused pair of this layer and a ReLU after it.
     */
    INDArray forwardTraining(INDArray x, INDArray out, boolean relu) {
        if (out == null || !fused(x, out)) {
            INDArray y = forward(x, out);
            if (relu) {
                Nd4j.exec(new RectifiedLinear(y, y));
            }
            return y;
        }
        xWt(x, out);
        int rows = (int) x.rows(), n = rows * this.out;
        zs = NativeFloats.get(out, NativeFloats.sized(zs, n), n);
        bs = NativeFloats.get(bias, NativeFloats.sized(bs, this.out), this.out);
        DenseKernel.biasForward(zs, rows, this.out, bs, relu);
        NativeFloats.put(zs, n, out);
        return out;
    }

    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        return backward(x, dy, dx, null, null);
    }

    /**
     * Backward of the fused pair: {@code dy} is the gradient at the ReLU's output {@code y}, and
     * the masked gradient at this layer's output is written to {@code scratch} ({@code dy} itself
     * is left as it is: a residual block's skip path reads it too). With {@code y == null}, plain
     * backward of this layer.
     */
    INDArray backward(INDArray x, INDArray dy, INDArray dx, INDArray y, INDArray scratch) {
        INDArray dz = dy;
        if (fused(dy, y) && (y == null || NativeFloats.dense(scratch))) {
            int rows = (int) dy.rows(), n = rows * out;
            zs = NativeFloats.get(dy, NativeFloats.sized(zs, n), n);
            if (y != null) {
                ys = NativeFloats.get(y, NativeFloats.sized(ys, n), n);
            }
            bs = NativeFloats.sized(bs, out);
            DenseKernel.biasBackward(zs, y != null ? ys : null, rows, out, bs);
            NativeFloats.put(bs, out, dBias);
            if (y != null) {
                NativeFloats.put(zs, n, scratch);
                dz = scratch;
            }
        } else {
            if (y != null) {
                Nd4j.exec(new RectifiedLinearDerivative(y, dy, scratch));
                dz = scratch;
            }
            dz.sum(dBias, 0);
        }
        Nd4j.gemm(dz, x, dWeight, true, false, 1.0, 0.0);
        if (dx == null) {
            return null;
        }
        if (!SingleRowBlas.dyW(dz, weight, dx)) {
            Nd4j.gemm(dz, weight, dx, false, false, 1.0, 0.0);
        }
        return dx;
    }

    /** {@code y = x W^T}: one BLAS call, a matrix-vector one for a single row ({@link SingleRowBlas}). */
    private void xWt(INDArray x, INDArray y) {
        if (!SingleRowBlas.xWt(x, weight, y)) {
            Nd4j.gemm(x, weight, y, false, true, 1.0, 0.0);
        }
    }

    /** Whether float32 {@code a} (and {@code other}) take the fused path. */
    private boolean fused(INDArray a, INDArray other) {
        return a.dataType() == DataType.FLOAT && NativeFloats.dense(a) && (other == null || NativeFloats.dense(other))
                && NativeFloats.dense(bias) && NativeFloats.dense(dBias);
    }
}
