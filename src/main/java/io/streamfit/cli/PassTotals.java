package io.streamfit.cli;

import io.streamfit.train.BlasLibrary;
import io.streamfit.train.EarlyStopping;
import io.streamfit.train.ModelState;
import io.streamfit.train.StepResult;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the {@code train} command sums over its whole pass, and its JSON summary line. */
final class PassTotals {
    long rejected;
    double lossSum;
    long correct;
    long judged;
    long examples;
    long skipped;
    long clipped;
    long heldOut;
    /** Time inside the training steps, to tell it from decoding and I/O. */
    long stepNanos;

    void add(StepResult r) {
        if (r.role() == EarlyStopping.Role.HOLD_OUT) {
            heldOut += r.examples(); // validation, not part of the prequential pass
            return;
        }
        lossSum += r.lossSum();
        correct += r.correct();
        judged += r.judged();
        examples += r.examples();
        skipped += r.skipped() ? 1 : 0;
        clipped += r.clipped() ? 1 : 0;
    }

    Map<String, Object> summary(ModelState state, double seconds, int untrained, long lines) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("records", lines);
        m.put("rejected_records", rejected);
        m.put("steps", state.steps());
        m.put("examples", examples);
        m.put("untrained_examples", untrained);
        m.put("prequential_loss", examples == 0 ? null : lossSum / examples);
        m.put("prequential_accuracy", judged == 0 ? null : (double) correct / judged);
        m.put("clipped_steps", clipped);
        m.put("skipped_steps", skipped);
        m.put("final_lr", state.currentLr());
        m.put("seconds", seconds);
        m.put("examples_per_second", seconds > 0 ? examples / seconds : null);
        m.put("step_seconds", stepNanos / 1e9);
        m.put("step_examples_per_second", stepNanos > 0 ? examples / (stepNanos / 1e9) : null);
        m.put("blas", BlasLibrary.loaded());
        EarlyStopping e = state.earlyStopping();
        if (e != null) {
            m.put("held_out_examples", heldOut);
            m.put("validation_checks", e.checks());
            m.put("validation_loss", Double.isFinite(e.lastLoss()) ? e.lastLoss() : null);
            m.put("best_validation_loss", Double.isFinite(e.taggedLoss()) ? e.taggedLoss() : null);
            m.put("paused_at_end", e.paused());
            m.put("pauses", e.pauses());
            m.put("resumes", e.resumes());
        }
        return m;
    }
}
