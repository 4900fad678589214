package io.streamfit.stream;

import io.streamfit.snapshot.Position;
import io.streamfit.spec.ModelSpec;
import java.util.Map;

/**
 * When a model publishes, by its {@code snapshot} policy: every {@code every_steps} batches (those
 * that trained nothing, held out or paused, count too, so a paused model still commits its
 * progress through the stream), every {@code every_seconds}, and whenever something changed since
 * the last snapshot at a stop or a revocation. Step-count snapshots fall right after the step
 * that completes the count, whatever the poll sizes were. Training thread only.
 */
final class SnapshotSchedule {
    private final ModelSpec.SnapshotPolicy policy;
    private long untrained;
    private long publishedNanos = System.nanoTime();
    private long steps;
    private Map<Integer, Position> positions = Map.of();

    SnapshotSchedule(ModelSpec.SnapshotPolicy policy) {
        this.policy = policy;
    }

    /**
     * A snapshot of the state after {@code steps} steps at {@code positions} was handed over, or
     * the model (re)starts from one (restore, rollback): counting starts over.
     */
    void published(long steps, Map<Integer, Position> positions) {
        this.untrained = 0;
        this.steps = steps;
        this.positions = Map.copyOf(positions);
        this.publishedNanos = System.nanoTime();
    }

    /** A batch that trained nothing (held out, paused). */
    void untrainedBatch() {
        untrained++;
    }

    /** After a step: whether {@code every_steps} batches have passed since the last snapshot. */
    boolean dueBySteps(long stepsNow) {
        long every = policy.everySteps();
        return every > 0 && stepsNow - steps + untrained >= every;
    }

    /** Between polls: whether {@code every_seconds} have passed since the last snapshot. */
    boolean dueByTime() {
        return policy.everySeconds() > 0 && (System.nanoTime() - publishedNanos) / 1e9 >= policy.everySeconds();
    }

    /**
     * Whether a snapshot would hold nothing new: no step and no position moved since the last one;
     * then the time-based count starts over as if it had published.
     */
    boolean unchanged(long stepsNow, Map<Integer, Position> now) {
        if (stepsNow != steps || !now.equals(positions)) {
            return false;
        }
        publishedNanos = System.nanoTime();
        return true;
    }
}
