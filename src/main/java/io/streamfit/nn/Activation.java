package io.streamfit.nn;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Elementwise nonlinearity without parameters: {@code relu}, {@code tanh}, {@code sigmoid},
 * {@code gelu}. GELU is PyTorch's default {@code nn.GELU()} (approximate='none'):
 * {@code y = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))}, not ND4J's sigmoid approximation.
 */
public final class Activation extends SameWidthLayer {

    /** The supported nonlinearities, named as in the spec. */
    public enum Kind {
        RELU("nn.ReLU"), TANH("nn.Tanh"), SIGMOID("nn.Sigmoid"), GELU("nn.GELU");

        private final String torchModule;

        Kind(String torchModule) {
            this.torchModule = torchModule;
        }

        public String specName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One layer kind per nonlinearity, in {@link Kind}'s order. */
    public static final List<LayerKind> KINDS = Arrays.stream(Kind.values()).map(k -> LayerKind.plain(k.specName(),
            k.torchModule, LayerKind.Role.ACTIVATION, (in, options, body) -> new Activation(k, in))).toList();

    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    private final Kind kind;

    public Activation(Kind kind, int width) {
        super(kind.specName(), width);
        this.kind = kind;
    }

    public Kind activation() {
        return kind;
    }

    @Override
    public INDArray forward(INDArray x, INDArray out) {
        INDArray y = out != null ? out : Nd4j.createUninitialized(x.dataType(), x.shape());
        switch (kind) {
            case RELU:
                Nd4j.exec(new RectifiedLinear(x, y));
                return y;
            case TANH:
                Nd4j.exec(new Tanh(x, y));
                return y;
            case SIGMOID:
                Nd4j.exec(new Sigmoid(x, y));
                return y;
            case GELU:
                standardNormalCdf(x, y);
                return y.muli(x);
            default:
                throw new IllegalStateException(kind.toString());
        }
    }

    @Override
    public INDArray backward(INDArray x, INDArray y, INDArray dy, INDArray dx) {
        if (dx == null) {
            return null;
        }
        switch (kind) {
            case RELU:
                // One fused op (relu_bp): dy where y > 0, else 0 (PyTorch's gradient at 0 is 0 too).
                Nd4j.exec(new RectifiedLinearDerivative(y, dy, dx));
                return dx;
            case TANH:
                // 1 - y^2
                return y.mul(y).rsubi(1.0).muli(dy);
            case SIGMOID:
                // y (1 - y)
                return y.rsub(1.0).muli(y).muli(dy);
            case GELU:
                // d/dx [x Phi(x)] = Phi(x) + x phi(x)
                INDArray pdf = Transforms.exp(x.mul(x).muli(-0.5), false).muli(INV_SQRT_2PI).muli(x);
                return standardNormalCdf(x, dx).addi(pdf).muli(dy);
            default:
                throw new IllegalStateException(kind.toString());
        }
    }

    /** Phi(x) into {@code t}. */
    private static INDArray standardNormalCdf(INDArray x, INDArray t) {
        t.assign(x).muli(INV_SQRT2);
        Nd4j.exec(new Erf(t, t));
        return t.addi(1.0).muli(0.5);
    }
}
