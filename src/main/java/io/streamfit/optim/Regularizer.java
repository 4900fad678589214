package io.streamfit.optim;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Penalties and decay applied to one group of parameters (by default every weight matrix,
 * without biases and normalization gains), independent of the optimizer's own
 * {@code weight_decay} (which, as in PyTorch, covers every trainable tensor):
 *
 * <pre>
 *   penalty (added to the loss):  l1 * sum |w| + (l2 / 2) * sum w^2
 *       gradient:                 g += l1 * sign(w) + l2 * w          before clipping, as autograd would
 *   decoupled decay:              w <- w * (1 - lr * weight_decay)     before the optimizer's update,
 *                                                                      as AdamW / SGDW do
 * </pre>
 *
 * With Adam and every tensor in the group, {@code weight_decay} here is exactly AdamW's, and
 * {@code l2} exactly Adam's (PyTorch's) {@code weight_decay}. The prequential loss reports the
 * data loss only, without the penalty.
 */
public final class Regularizer {
    private final double l1;
    private final double l2;
    private final double weightDecay;
    private final List<INDArray[]> ranges;

    /**
     * @param ranges {@code [from, to)} ranges of the flat buffers that form the group
     */
    public Regularizer(double l1, double l2, double weightDecay, INDArray params, INDArray grads, List<long[]> ranges) {
        this.l1 = l1;
        this.l2 = l2;
        this.weightDecay = weightDecay;
        this.ranges = ranges.stream().map(r -> new INDArray[] {
                params.get(NDArrayIndex.interval(r[0], r[1])), grads.get(NDArrayIndex.interval(r[0], r[1]))}).toList();
    }

    public static Regularizer none(INDArray params, INDArray grads) {
        return new Regularizer(0, 0, 0, params, grads, List.of());
    }

    public boolean active() {
        return !ranges.isEmpty() && (l1 != 0 || l2 != 0 || weightDecay != 0);
    }

    /** Adds the penalties' gradients to the group's gradients; call after backward, before clipping. */
    public void addPenaltyGradients() {
        if (l1 == 0 && l2 == 0) {
            return;
        }
        for (INDArray[] r : ranges) {
            if (l2 != 0) {
                r[1].addi(r[0].mul(l2));
            }
            if (l1 != 0) {
                r[1].addi(Transforms.sign(r[0]).muli(l1));
            }
        }
    }

    /** Shrinks the group's parameters; call right before the optimizer's update with its learning rate. */
    public void decay(double lr) {
        if (weightDecay == 0) {
            return;
        }
        double shrink = 1 - lr * weightDecay;
        for (INDArray[] r : ranges) {
            r[0].muli(shrink);
        }
    }
}
