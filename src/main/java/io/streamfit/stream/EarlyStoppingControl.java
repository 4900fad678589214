package io.streamfit.stream;

import io.streamfit.spec.ModelSpec;
import io.streamfit.train.EarlyStopping;
import io.streamfit.train.ModelState;
import io.streamfit.train.StepResult;
import org.jboss.logging.Logger;

/**
 * Early stopping as the stream runs it: an operator's request to resume paused updates
 * ({@code POST /models/{id}/resume}; taken from any thread, applied by the training thread before
 * its next batch), and the log lines of its pauses, resumes and checks. Snapshots record how
 * many operator resumes their state holds, so that a rollback to a snapshot taken before a resume
 * applies it again instead of losing it. The rule itself is {@link EarlyStopping}'s.
 */
final class EarlyStoppingControl {
    private static final Logger LOG = Logger.getLogger(EarlyStoppingControl.class);

    private final ModelSpec spec;
    private volatile boolean requested;
    /** Operator resumes applied to the state in training. */
    private long applied;
    /** Resumes (of any kind) before the current step. */
    private long resumesBefore;

    EarlyStoppingControl(ModelSpec spec) {
        this.spec = spec;
    }

    /** From any thread: asks for a resume; false when {@code state}'s updates are not paused (or it has no early stopping). */
    boolean request(ModelState state) {
        if (state == null || state.earlyStopping() == null || !state.earlyStopping().paused()) {
            return false;
        }
        requested = true;
        return true;
    }

    /** Right before a step: applies a pending request to {@code e}. */
    void beforeStep(EarlyStopping e) {
        if (requested) {
            requested = false;
            if (e.resume()) {
                applied++;
                LOG.infof("model %s: updates resumed on request", spec.id());
            }
        }
        resumesBefore = e.resumes();
    }

    /** Right after a step: logs what early stopping did; returns whether it completed a check with a new best. */
    boolean afterStep(EarlyStopping e, StepResult res) {
        EarlyStopping.Check c = res.check();
        if (c == null) {
            if (e.resumes() > resumesBefore) {
                LOG.infof("model %s: updates resumed after %d paused batches", spec.id(),
                        spec.earlyStopping().resumeAfterBatches());
            }
            return false;
        }
        if (c.paused()) {
            LOG.infof("model %s: validation loss %.5f has not improved on %.5f for %d checks: updates paused",
                    spec.id(), c.loss(), e.best(), spec.earlyStopping().patience());
        } else if (c.resumed()) {
            LOG.infof("model %s: validation loss rose to %.5f: updates resumed", spec.id(), c.loss());
        }
        return c.improved();
    }

    /** Operator resumes applied so far, recorded with each snapshot. */
    long applied() {
        return applied;
    }

    /** After a rollback to a snapshot that holds {@code committed} operator resumes: the ones it lacks are asked for again. */
    void rolledBackTo(long committed) {
        requested |= applied > committed;
    }
}
