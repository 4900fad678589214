package io.streamfit.cli;

import io.streamfit.train.EarlyStopping;
import io.streamfit.train.ModelState;
import io.streamfit.train.StepResult;
import io.streamfit.train.TrainingListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code train} command's {@code --metrics} steps: one entry per step (step, examples, loss,
 * accuracy, learning rate, gradient norm, clipped, skipped; the role when it did not train; the
 * validation check when one completed; {@code drift: true} when the batch raised a drift alarm), taken from the same {@link TrainingListener} calls as
 * the service's Prometheus meters.
 */
final class StepLog implements TrainingListener {
    private final List<Map<String, Object>> entries = new ArrayList<>();

    List<Map<String, Object>> entries() {
        return entries;
    }

    @Override
    public void step(ModelState state, StepResult r, long nanos) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("step", state.steps());
        e.put("examples", state.examplesSeen());
        e.put("loss", r.lossSum() / r.examples());
        e.put("accuracy", r.judged() == 0 ? null : (double) r.correct() / r.judged());
        e.put("lr", r.lr());
        e.put("grad_norm", Double.isFinite(r.gradNorm()) ? r.gradNorm() : null);
        e.put("clipped", r.clipped());
        e.put("skipped", r.skipped());
        if (r.role() != EarlyStopping.Role.TRAIN) {
            e.put("role", r.role().label());
        }
        if (r.drift()) {
            e.put("drift", true);
        }
        if (r.check() != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("validation_loss", r.check().loss());
            c.put("improved", r.check().improved());
            c.put("paused", r.check().paused());
            c.put("resumed", r.check().resumed());
            e.put("check", c);
        }
        entries.add(e);
    }
}
