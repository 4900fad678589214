package io.streamfit.stream;

import io.streamfit.train.ModelState;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * A model's progress line, at most once per {@code streamfit.training.progress-interval}:
 * {@code model=... examples/s=... steps=... examples=... prequential_loss=... prequential_accuracy=...
 * lr=... snapshot_version=... lag=...}, logged under {@link ModelRunner}'s category (the one the
 * docs and operators' log filters name). Training thread only.
 */
final class ProgressLog {
    private static final Logger LOG = Logger.getLogger(ModelRunner.class);

    private final String modelId;
    private final long intervalNanos;
    private long at = System.nanoTime();
    private long examplesAt;

    ProgressLog(String modelId, Duration interval, long examplesSeen) {
        this.modelId = modelId;
        this.intervalNanos = interval.toNanos();
        this.examplesAt = examplesSeen;
    }

    /** Logs the line when the interval has passed since the last one. */
    void maybeLog(ModelState s, long snapshotVersion, long lag) {
        long now = System.nanoTime();
        if (now - at < intervalNanos) {
            return;
        }
        LOG.infof("model=%s examples/s=%.0f steps=%d examples=%d prequential_loss=%.4f prequential_accuracy=%.4f lr=%.3g "
                + "snapshot_version=%d lag=%d", modelId, Math.max(0, s.examplesSeen() - examplesAt) / ((now - at) / 1e9),
                s.steps(),
                s.examplesSeen(), s.window().loss(), s.window().accuracy(), s.currentLr(), snapshotVersion, lag);
        at = now;
        examplesAt = s.examplesSeen();
    }
}
