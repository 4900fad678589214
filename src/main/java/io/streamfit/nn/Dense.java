package io.streamfit.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fully connected layer, {@code torch.nn.Linear}: {@code y = x W^T + b} with {@code W} stored
 * {@code [out, in]} row-major and {@code b} {@code [out]}, exactly PyTorch's layout.
 *
 * <p>Backward: {@code dW = dy^T x}, {@code db = sum_rows(dy)}, {@code dx = dy W}: three BLAS
 * calls, written straight into the gradient views.
 */
public final class Dense implements Layer {
    private final int in;
    private final int out;
    private INDArray weight;
    private INDArray bias;
    private INDArray dWeight;
    private INDArray dBias;

    public Dense(int in, int out) {
        this.in = in;
        this.out = out;
    }

    @Override
    public String kind() {
        return "dense";
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
        Nd4j.gemm(x, weight, y, false, true, 1.0, 0.0);
        return y.addiRowVector(bias);
    }

    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        Nd4j.gemm(dy, x, dWeight, true, false, 1.0, 0.0);
        dy.sum(dBias, 0);
        if (dx == null) {
            return null;
        }
        Nd4j.gemm(dy, weight, dx, false, false, 1.0, 0.0);
        return dx;
    }
}
