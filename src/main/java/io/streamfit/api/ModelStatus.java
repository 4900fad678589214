package io.streamfit.api;

import io.streamfit.service.ModelRegistry;
import io.streamfit.stream.ModelRunner;
import io.streamfit.train.DriftWatch;
import io.streamfit.train.EarlyStopping;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchBoard;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON status of one model. */
final class ModelStatus {
    /** The window of {@code examples_per_second}. */
    static final int RATE_SECONDS = 10;

    private ModelStatus() {}

    /** A running model's status, with its throughput over the last {@link #RATE_SECONDS} seconds. */
    static Map<String, Object> of(ModelRegistry.Entry e) {
        Map<String, Object> m = of(e.runner());
        m.put("examples_per_second", e.history().examplesPerSecond(RATE_SECONDS));
        return m;
    }

    static Map<String, Object> of(ModelRunner r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.spec().id());
        m.put("topic", r.spec().topic());
        m.put("phase", r.phase().name().toLowerCase());
        m.put("ready", r.ready());
        ModelState st = r.state();
        boolean earlyStopped = st != null && st.earlyStopping() != null && st.earlyStopping().paused();
        boolean userPaused = r.userPauseApplied();
        m.put("paused", userPaused || earlyStopped);
        m.put("paused_by", userPaused ? "user" : earlyStopped ? "early_stopping" : null);
        m.put("pause_requested", r.pausedByUser() && !userPaused);
        m.put("examples_per_second", null);
        // The snapshot version this run started from (0: fresh; -1: not restored yet): after a
        // model moved between instances, the new owner's status shows where it took over.
        m.put("restored_version", r.restoredVersion());
        ModelState s = r.state();
        if (s != null) {
            m.put("version", r.version());
            m.put("steps", s.steps());
            m.put("examples_seen", s.examplesSeen());
            m.put("skipped_steps", s.skippedSteps());
            m.put("clipped_steps", s.clippedSteps());
            m.put("parameters", s.network().paramCount());
            m.put("trainable_parameters", s.trainableParameters());
            m.put("optimizer", s.optimizer().type());
            m.put("schedule", s.schedule().type());
            m.put("learning_rate", s.currentLr());
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("loss", finite(s.window().loss()));
            p.put("accuracy", finite(s.window().accuracy()));
            p.put("window_batches", s.window().batches());
            m.put("prequential", p);
            m.put("snapshot_positions", r.snapshotPositions());
            Map<String, Object> dv = new LinkedHashMap<>();
            dv.put("consecutive_bad_steps", s.consecutiveBadSteps());
            dv.put("rollbacks", s.divergenceRollbacks());
            dv.put("rollbacks_in_a_row", s.rollbacksInARow());
            dv.put("learning_rate_scale", s.lrScale());
            m.put("divergence", dv);
            if (s.earlyStopping() != null) {
                EarlyStopping e = s.earlyStopping();
                Map<String, Object> es = new LinkedHashMap<>();
                es.put("state", e.paused() ? "paused" : "training");
                es.put("validation_loss", finite(e.lastLoss()));
                es.put("best_validation_loss", finite(e.taggedLoss()));
                es.put("loss_to_beat", finite(e.best()));
                es.put("checks", e.checks());
                es.put("checks_without_improvement", e.checksWithoutImprovement());
                es.put("patience", e.spec().patience());
                es.put("held_out_examples", e.heldOutExamples());
                es.put("best_snapshot_version", r.bestVersion() < 0 ? null : r.bestVersion());
                es.put("pauses", e.pauses());
                es.put("resumes", e.resumes());
                m.put("early_stopping", es);
            }
            DriftWatch d = s.drift();
            if (d != null) {
                Map<String, Object> dr = new LinkedHashMap<>();
                dr.put("detector", d.detectorType());
                dr.put("signal", d.spec().signal());
                dr.put("actions", d.spec().actions());
                dr.put("alarms", d.alarms());
                dr.put("last_alarm_step", d.lastAlarmStep() < 0 ? null : d.lastAlarmStep());
                dr.put("last_alarm_examples", d.lastAlarmExamples() < 0 ? null : d.lastAlarmExamples());
                dr.put("boosted", d.lrFactor(s.steps()) != 1);
                m.put("drift", dr);
            }
        }
        SearchBoard b = r.searchBoard();
        if (b != null) {
            // The figures above are the lead's: the trial that speaks for the search (the winner once done).
            Map<String, Object> search = new LinkedHashMap<>();
            search.put("strategy", b.strategy());
            search.put("done", b.done());
            search.put("stage", b.stage());
            search.put("stages", b.stages());
            search.put("lead", b.lead());
            search.put("winner", b.winner());
            search.put("trials_started", b.started());
            search.put("compute_examples", b.computeExamples());
            m.put("search", search);
        }
        m.put("restored_version", r.restoredVersion());
        m.put("restored_positions", r.restoredPositions());
        m.put("assigned_partitions", r.assignedPartitions().stream().map(tp -> tp.partition()).sorted().toList());
        m.put("consumer_lag", r.lag());
        m.put("last_error", r.lastError());
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
