package io.streamfit.optim;

import static io.streamfit.optim.OptimizerKind.always;
import static io.streamfit.optim.OptimizerKind.coefficient;
import static io.streamfit.optim.OptimizerKind.eps;
import static io.streamfit.optim.OptimizerKind.lr;

import io.streamfit.hyper.HyperParameter;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdaDelta (Zeiler 2012, "ADADELTA: An Adaptive Learning Rate Method"), exactly
 * {@code torch.optim.Adadelta(lr, rho, eps, weight_decay)}:
 *
 * <pre>
 *   g_t  = grad + weight_decay * p_{t-1}
 *   v_t  = rho * v_{t-1} + (1 - rho) * g_t^2                       (square_avg)
 *   d_t  = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g_t
 *   u_t  = rho * u_{t-1} + (1 - rho) * d_t^2                       (acc_delta)
 *   p_t  = p_{t-1} - lr * d_t
 * </pre>
 *
 * The paper has no learning rate (equivalently {@code lr = 1}, PyTorch's default); PyTorch
 * multiplies the step by {@code lr}, and so does this class.
 */
public final class Adadelta extends FlatOptimizer {
    /** The spec's {@code adadelta}: PyTorch's {@code torch.optim.Adadelta} hyper-parameters and defaults. */
    public static final OptimizerKind KIND = new OptimizerKind("adadelta", "Adadelta",
            List.of(lr(1.0), HyperParameter.number("rho", 0.9, 0, false, 1, false), eps(1e-6),
                    coefficient("weight_decay", 0)),
            List.of(), always("square_avg", "acc_delta"),
            (p, g, h) -> new Adadelta(p, g, h.number("rho"), h.number("eps"), h.number("weight_decay")));

    private final float rho;
    private final float oneMinusRho;
    private final float eps;
    private final float weightDecay;
    private final float[] squareAvg;
    private final float[] accDelta;

    public Adadelta(INDArray params, INDArray grads, double rho, double eps, double weightDecay) {
        super(params, grads);
        this.rho = (float) rho;
        this.oneMinusRho = (float) (1 - rho);
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        this.squareAvg = addState("square_avg", 0f);
        this.accDelta = addState("acc_delta", 0f);
    }

    @Override
    public String type() {
        return KIND.name();
    }

    @Override
    protected void update(float[] p, float[] g, int from, int to, float scale, double lr, long step) {
        float rate = (float) lr;
        for (int i = from; i < to; i++) {
            float gi = g[i] * scale + weightDecay * p[i];
            float vi = rho * squareAvg[i] + oneMinusRho * gi * gi;
            squareAvg[i] = vi;
            float std = (float) Math.sqrt(vi + eps);
            float delta = (float) Math.sqrt(accDelta[i] + eps) / std * gi;
            accDelta[i] = rho * accDelta[i] + oneMinusRho * delta * delta;
            p[i] -= rate * delta;
        }
    }
}
