package io.streamfit.stream;

import io.streamfit.spec.ModelSpec;
import io.streamfit.train.DriftWatch;
import io.streamfit.train.ModelState;
import io.streamfit.train.StepResult;
import org.jboss.logging.Logger;

/**
 * What the service adds to a drift alarm, whose actions on the optimizer and the schedule the
 * step itself took ({@code train.DriftWatch}): the log line, the meters
 * ({@link RunnerListener#driftAlarm}), and with {@code tag_pre_drift} the tag of the last snapshot
 * committed before it ({@link SnapshotLineage#tagPreDrift}).
 */
final class DriftAlarm {
    private static final Logger LOG = Logger.getLogger(DriftAlarm.class);

    private DriftAlarm() {}

    /**
     * After a step that raised an alarm; false when waiting for the commit in flight ended in a
     * rollback (to before the alarm, which will come again), which abandons the rest of the poll.
     */
    static boolean handle(ModelSpec spec, ModelState state, StepResult res, SnapshotLineage lineage, RunnerListener listener)
            throws InterruptedException {
        DriftWatch d = state.drift();
        String tagged = "";
        if (d.spec().tagPreDrift()) {
            SnapshotLineage.PreDriftTag t = lineage.tagPreDrift();
            if (t == SnapshotLineage.PreDriftTag.ROLLED_BACK) {
                return false;
            }
            tagged = t == SnapshotLineage.PreDriftTag.TAGGED
                    ? "; snapshot version " + lineage.served().lastVersion() + " goes under "
                            + SnapshotStore.preDriftKey(spec.id())
                    : "; no snapshot committed yet to tag pre-drift";
        }
        listener.driftAlarm(d);
        LOG.infof("model %s: drift alarm %d by %s on the prequential %s (this batch: loss %.4g, accuracy %.4g) at step %d,"
                + " %d examples: %s%s", spec.id(), d.alarms(), d.detectorType(), d.signal(),
                res.lossSum() / res.examples(), res.judged() == 0 ? Double.NaN : (double) res.correct() / res.judged(),
                state.steps(), state.examplesSeen(), d.spec().actions(), tagged);
        return true;
    }
}
