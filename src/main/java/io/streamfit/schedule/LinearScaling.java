package io.streamfit.schedule;

/**
 * The linear scaling rule (Goyal et al. 2017, "Accurate, Large Minibatch SGD: Training ImageNet
 * in 1 Hour"): when the mini-batch is {@code k} times a reference batch size, multiply the
 * learning rate by {@code k}. Applied to every rate the inner schedule yields, which is the same
 * as scaling all of its rate parameters ({@code lr}, {@code eta_min}, {@code max_lr}, ...), since
 * every schedule here is linear in them.
 */
public record LinearScaling(LrSchedule inner, int batchSize, int referenceBatchSize) implements LrSchedule {

    @Override
    public String type() {
        return inner.type();
    }

    public double factor() {
        return (double) batchSize / referenceBatchSize;
    }

    @Override
    public double lr(long stepsDone) {
        return inner.lr(stepsDone) * factor();
    }

    /** The inner schedule's: scaling the batch scales rates, not momentum. */
    @Override
    public double momentum(long stepsDone) {
        return inner.momentum(stepsDone);
    }

    @Override
    public MetricSchedule metricSchedule() {
        return inner.metricSchedule();
    }
}
