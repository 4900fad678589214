package io.streamfit.stream;

import io.streamfit.train.ModelState;
import java.time.Duration;

/**
 * A user's pause ({@link ModelRunner#pause}) as the training loop applies it, one turn of the loop
 * at a time ({@link #turn}). On the first paused turn the model publishes a snapshot of all it
 * trained and tells its listener; then each turn polls without fetching ({@link InputConsumer#idle}),
 * so the records stay in Kafka, and reads the lag from the broker. A pause waits out a run of bad
 * steps: until the divergence policy has settled it no snapshot can be published, and a transaction
 * its dead letters opened must not stay open for the length of a pause.
 *
 * <p>Threads: {@link #turn} on the training thread; {@link #applied} from any.
 */
final class UserPause {
    /** What the loop does after a {@link #turn}. */
    enum Turn {
        /** Not paused: poll and train. */
        TRAIN,
        /** Paused: this turn's poll is done; go round again. */
        PAUSED,
        /** {@link ModelRunner#stop} woke the consumer: end the loop. */
        WOKEN
    }

    private final ModelRunner runner;
    private final RunnerListener listener;
    private final InputConsumer input;
    private final SnapshotLineage lineage;
    private final SnapshotPublisher publisher;
    private final Duration pollTimeout;
    private volatile boolean applied;

    UserPause(ModelRunner runner, RunnerListener listener, InputConsumer input, SnapshotLineage lineage,
            SnapshotPublisher publisher, Duration pollTimeout) {
        this.runner = runner;
        this.listener = listener;
        this.input = input;
        this.lineage = lineage;
        this.publisher = publisher;
        this.pollTimeout = pollTimeout;
    }

    /** One turn of the loop for {@code state}: paused (and polled), or training. */
    Turn turn(ModelState state) throws InterruptedException {
        if (runner.pausedByUser() && !publisher.inBadRun(state)) {
            if (!applied) {
                publisher.publishIfChanged(state); // the snapshot covers all that was trained before the pause
                applied = true;
                listener.userPause(true);
            }
            if (!input.idle(pollTimeout)) {
                return Turn.WOKEN;
            }
            lineage.settleIfFinished();
            listener.lag(input.updateLagFromBroker(pollTimeout));
            publisher.betweenPolls(state);
            return Turn.PAUSED;
        }
        if (applied) {
            applied = false;
            listener.userPause(false);
        }
        return Turn.TRAIN;
    }

    /** Training stopped for the pause (after its snapshot); false again once it trains. */
    boolean applied() {
        return applied;
    }
}
