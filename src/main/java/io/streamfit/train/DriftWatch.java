package io.streamfit.train;

import io.streamfit.drift.Detectors;
import io.streamfit.drift.DriftDetector;
import io.streamfit.hyper.HyperValues;
import io.streamfit.spec.ModelSpec;

/**
 * A model's drift detector and what its alarms do to the learning rate: the spec's {@code drift}
 * section at run time.
 *
 * <p>Call order, on the training thread: {@link #observe} once per prequentially scored batch
 * (trained, or scored while early stopping has paused updates; never a held-out batch), before
 * that batch's optimizer step. On an alarm it restarts the schedule's clock and starts the boost
 * at the current step, so the step of the batch that raised the alarm already uses the restarted,
 * boosted rate; {@link ModelState} resets the optimizer's moments at the same point. Everything
 * here is in {@link #state()}, which every snapshot carries.
 *
 * <pre>
 *   signal    loss: lossSum / examples        error: 1 - correct / judged (batches with judged = 0 skipped)
 *   rate      schedule.lr(steps - scheduleOrigin) * (steps &lt; boostUntil ? boost_factor : 1)
 * </pre>
 */
public final class DriftWatch {
    private final ModelSpec.DriftSpec spec;
    private final DriftDetector detector;

    // Written by the training thread only; volatile so status endpoints read current values.
    private volatile long alarms;
    private volatile long lastAlarmStep = -1;
    private volatile long lastAlarmExamples = -1;
    private volatile long scheduleOrigin;
    private volatile long boostUntil;

    /**
     * Everything but the detector's own state (its record, which the snapshot writes beside it).
     *
     * @param lastAlarmStep optimizer steps at the last alarm, -1 if none
     * @param lastAlarmExamples examples seen at the last alarm, -1 if none
     */
    public record State(long alarms, long lastAlarmStep, long lastAlarmExamples, long scheduleOrigin, long boostUntil) {}

    public DriftWatch(ModelSpec.DriftSpec spec) {
        this.spec = spec;
        this.detector = Detectors.named(spec.detector()).factory().create(HyperValues.of(spec.params()));
    }

    /**
     * Takes a scored batch's signal; returns whether it raised an alarm (and, if so, has restarted
     * the schedule's clock and the boost at {@code steps}).
     */
    boolean observe(double lossSum, long correct, long judged, int examples, long steps, long examplesSeen) {
        double x;
        if ("error".equals(spec.signal())) {
            if (judged == 0) {
                return false;
            }
            x = 1.0 - (double) correct / judged;
        } else {
            x = lossSum / examples;
        }
        if (!Double.isFinite(x) || !detector.add(x)) {
            return false; // a non-finite loss is the divergence guard's business, not drift
        }
        alarms++;
        lastAlarmStep = steps;
        lastAlarmExamples = examplesSeen;
        if (spec.restartSchedule()) {
            scheduleOrigin = steps;
        }
        if (spec.boosts()) {
            boostUntil = steps + spec.boostSteps();
        }
        return true;
    }

    /** The schedule's position at optimizer step count {@code steps}: steps since its last restart. */
    public long schedulePosition(long steps) {
        return steps - scheduleOrigin;
    }

    /** The boost's factor on the rate at optimizer step count {@code steps} (1 outside a boost). */
    public double lrFactor(long steps) {
        return steps < boostUntil ? spec.boostFactor() : 1;
    }

    public ModelSpec.DriftSpec spec() {
        return spec;
    }

    public DriftDetector detector() {
        return detector;
    }

    /** The detector's spec name, e.g. {@code adwin}. */
    public String detectorType() {
        return spec.detector();
    }

    /** The signal watched: {@code loss} or {@code error}. */
    public String signal() {
        return spec.signal();
    }

    public long alarms() {
        return alarms;
    }

    public long lastAlarmStep() {
        return lastAlarmStep;
    }

    public long lastAlarmExamples() {
        return lastAlarmExamples;
    }

    public State state() {
        return new State(alarms, lastAlarmStep, lastAlarmExamples, scheduleOrigin, boostUntil);
    }

    /**
     * Restores the alarms' state a snapshot carries ({@code steps}: the restored optimizer's step
     * count; the detector's own state is restored through {@link #detector()}). When the optimizer
     * started afresh instead (the spec changed its type or its state), the restart and the boost
     * are dropped with it: their steps count from an optimizer that is gone.
     *
     * @throws IllegalArgumentException if a count is negative (names the field)
     */
    public void restore(State s, long steps) {
        if (s.alarms() < 0 || s.scheduleOrigin() < 0 || s.boostUntil() < 0) {
            throw new IllegalArgumentException("drift state: alarms, schedule_origin and boost_until must be >= 0, got " + s);
        }
        if (s.scheduleOrigin() > steps || s.lastAlarmStep() > steps) {
            s = new State(s.alarms(), -1, s.lastAlarmExamples(), 0, 0);
        }
        alarms = s.alarms();
        lastAlarmStep = s.lastAlarmStep();
        lastAlarmExamples = s.lastAlarmExamples();
        scheduleOrigin = s.scheduleOrigin();
        boostUntil = s.boostUntil();
    }
}
