package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.schedule.LrSchedule;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A drift alarm acting on a real model: the detector fires after an abrupt change of the concept
 * (not before), and the alarm's step already runs with zeroed moments, the schedule restarted
 * (warm-up included) and the rate boosted for the stated number of steps; a model restored from a
 * snapshot taken mid-boost goes on bitwise, alarms included.
 */
class DriftWatchTest {
    private static final int CHANGE_AT = 200;

    static ModelSpec spec(String drift) {
        return spec("{type: cosine, T_max: 2000, warmup: {steps: 20}}", drift);
    }

    static ModelSpec spec(String schedule, String drift) {
        return SpecParser.parse("""
                id: d
                topic: t
                input_width: 4
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: 16}, {type: relu}, {type: dense, units: 3}]
                optimizer: {type: adam, lr: 0.01}
                schedule: %s
                batch_size: 32
                """.formatted(schedule) + drift);
    }

    static final String DRIFT = """
            drift:
              detector: {type: page_hinkley, threshold: 5}
              reset_moments: true
              restart_schedule: true
              boost_lr: {factor: 3, steps: 40}
            """;

    /** Three Gaussian blobs in 4-d; from batch {@link #CHANGE_AT} on, the labels are permuted (y -> y + 1 mod 3). */
    static List<Batch> stream(int batches, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Batch> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            float[] x = new float[32 * 4];
            float[] y = new float[32];
            for (int i = 0; i < 32; i++) {
                int c = rnd.nextInt(3);
                for (int j = 0; j < 4; j++) {
                    x[i * 4 + j] = (float) ((j == c ? 2.0 : 0.0) + 0.5 * (rnd.nextDouble() - 0.5));
                }
                y[i] = b < CHANGE_AT ? c : (c + 1) % 3;
            }
            out.add(new Batch(32, 4, x, 1, y));
        }
        return out;
    }

    @Test
    void anAlarmAfterTheChangeResetsMomentsRestartsTheScheduleAndBoostsTheRate() {
        ModelSpec spec = spec(DRIFT);
        ModelState s = ModelState.fresh(spec);
        LrSchedule schedule = s.schedule();
        List<Batch> batches = stream(400, 1);
        long alarmStep = -1;
        for (int b = 0; b < batches.size(); b++) {
            long before = s.steps();
            StepResult r = s.train(batches.get(b));
            if (r.drift()) {
                assertTrue(b >= CHANGE_AT && b < CHANGE_AT + 10, "alarm at batch " + b + ", the change is at " + CHANGE_AT);
                alarmStep = before;
                // The alarm's own step: schedule from 0 (the warm-up's first rate), boosted 3x, on fresh moments.
                assertEquals(schedule.lr(0) * 3, r.lr(), 1e-15);
                assertEquals(before, s.optimizer().stateOrigin(), "moments reset at the alarm's step");
                break;
            }
            assertEquals(schedule.lr(before), r.lr(), 1e-15, "no alarm yet: the schedule as it was");
        }
        assertTrue(alarmStep > 0, "no alarm");
        assertEquals(1, s.drift().alarms());
        // 40 boosted steps: the alarm's and 39 more.
        for (int i = 1; i <= 38; i++) {
            s.train(batches.get(CHANGE_AT + 10 + i));
        }
        assertEquals(schedule.lr(39) * 3, s.currentLr(), 1e-15, "still boosted at the boost's last step");
        s.train(batches.get(CHANGE_AT + 50));
        assertEquals(schedule.lr(40), s.currentLr(), 1e-15, "the boost is over; the restarted schedule goes on");
        assertEquals(1, s.drift().alarms(), "no second alarm while the model relearns");
    }

    @Test
    void aSnapshotAfterAnAlarmRestoresUnderAChangedSpec() throws Exception {
        ModelSpec spec = spec(DRIFT);
        ModelState s = ModelState.fresh(spec);
        List<Batch> batches = stream(260, 1);
        for (Batch b : batches) {
            s.train(b);
        }
        assertEquals(1, s.drift().alarms());
        byte[] bytes = SnapshotCodec.encode(s, 1, Map.of(), Map.of());
        // Another optimizer starts afresh, and with it the schedule's restart and the boost.
        ModelState sgd = SnapshotCodec.decode(bytes, SpecParser.parse(spec.source().toString()
                .replace("\"type\":\"adam\"", "\"type\":\"sgd\"")));
        assertEquals(0, sgd.steps());
        assertEquals(1, sgd.drift().alarms(), "the alarms are kept");
        assertEquals(0, sgd.schedulePosition());
        // Another detector starts afresh; the alarms' effects stay.
        ModelState adwin = SnapshotCodec.decode(bytes, SpecParser.parse(spec.source().toString()
                .replace("{\"type\":\"page_hinkley\",\"threshold\":5}", "{\"type\":\"adwin\"}")));
        assertEquals("adwin", adwin.drift().detector().type());
        assertEquals(0, adwin.drift().detector().observations());
        assertEquals(s.drift().state(), adwin.drift().state());
    }

    @Test
    void resetMomentsMakesTheNextStepAFreshOptimizersFirstStep() {
        // PyTorch's optimizer.state.clear(): the step after it is bitwise the first step of a new Adam.
        ModelSpec spec = spec("{type: constant}", "");
        ModelState trained = ModelState.fresh(spec);
        List<Batch> batches = stream(30, 2);
        for (int b = 0; b < 29; b++) {
            trained.train(batches.get(b));
        }
        ModelState fresh = ModelState.fresh(spec);
        fresh.network().params().assign(trained.network().params());
        trained.optimizer().resetState();
        assertEquals(29, trained.optimizer().stateOrigin());
        for (String name : trained.optimizer().stateNames()) {
            for (float v : trained.optimizer().state(name)) {
                assertEquals(0f, v, name + " zeroed");
            }
        }
        float[] a = stepOn(trained, batches.get(29));
        float[] b = stepOn(fresh, batches.get(29));
        assertArrayEquals(b, a, "parameters after one step on reset moments");
        assertArrayEquals(fresh.optimizer().state("exp_avg"), trained.optimizer().state("exp_avg"));
        assertArrayEquals(fresh.optimizer().state("exp_avg_sq"), trained.optimizer().state("exp_avg_sq"));
    }

    private static float[] stepOn(ModelState s, Batch batch) {
        s.train(batch);
        return s.network().params().dup().data().asFloat();
    }

    @Test
    void aModelRestoredMidBoostGoesOnBitwiseAndRaisesTheSameAlarms() throws Exception {
        ModelSpec spec = spec(DRIFT.replace("threshold: 5", "threshold: 2"));
        List<Batch> batches = stream(600, 3);
        ModelState original = ModelState.fresh(spec);
        int cut = -1;
        for (int b = 0; b < batches.size(); b++) {
            if (original.train(batches.get(b)).drift()) {
                cut = b + 7; // inside the 40-step boost
                break;
            }
        }
        assertTrue(cut > 0, "no alarm");
        for (int b = cut - 6; b < cut; b++) {
            original.train(batches.get(b));
        }
        byte[] bytes = SnapshotCodec.encode(original, 1, Map.of(), Map.of());
        ModelState restored = SnapshotCodec.decode(bytes, spec);
        assertEquals(original.optimizer().stateOrigin(), restored.optimizer().stateOrigin());
        assertEquals(original.drift().state(), restored.drift().state());
        assertEquals(Double.doubleToLongBits(original.currentLr()), Double.doubleToLongBits(restored.currentLr()));
        List<Integer> alarmsA = new ArrayList<>();
        List<Integer> alarmsB = new ArrayList<>();
        for (int b = cut; b < batches.size(); b++) {
            if (original.train(batches.get(b)).drift()) {
                alarmsA.add(b);
            }
            if (restored.train(batches.get(b)).drift()) {
                alarmsB.add(b);
            }
        }
        assertEquals(alarmsA, alarmsB);
        assertArrayEquals(original.network().params().data().asFloat(), restored.network().params().data().asFloat());
        assertArrayEquals(original.optimizer().state("exp_avg"), restored.optimizer().state("exp_avg"));
        assertEquals(original.drift().state(), restored.drift().state());
        assertEquals(original.drift().detector().state(), restored.drift().detector().state());
        assertEquals(1, original.drift().alarms() - alarmsA.size(), "one alarm before the snapshot, none lost or repeated");
    }

    @Test
    void aPlateauScheduleLowersTheRateRestoresMidPeriodAndRestartsOnAnAlarm() throws Exception {
        ModelSpec spec = spec("{type: plateau, factor: 0.5, patience: 1, period: 7, threshold: 0.3}", """
                drift:
                  detector: {type: page_hinkley, threshold: 5}
                  restart_schedule: true
                """);
        List<Batch> batches = stream(400, 5);
        ModelState original = ModelState.fresh(spec);
        assertEquals(original.metricSchedule().state(),
                SnapshotCodec.decode(SnapshotCodec.encode(original, 1, Map.of(), Map.of()), spec).metricSchedule().state(),
                "a fresh plateau (best = infinity) restores");
        for (int b = 0; b < 150; b++) {
            original.train(batches.get(b));
        }
        assertTrue(original.currentLr() < 0.01, "the loss flattened and the rate came down: " + original.currentLr());
        for (int b = 150; b < 153; b++) { // mid-period: 153 steps, period 7
            original.train(batches.get(b));
        }
        ModelState restored = SnapshotCodec.decode(SnapshotCodec.encode(original, 1, Map.of(), Map.of()), spec);
        assertEquals(original.metricSchedule().state(), restored.metricSchedule().state());
        double before = original.currentLr();
        boolean alarmed = false;
        for (int b = 153; b < 400; b++) {
            StepResult r = original.train(batches.get(b));
            StepResult q = restored.train(batches.get(b));
            assertEquals(Double.doubleToLongBits(r.lr()), Double.doubleToLongBits(q.lr()), "batch " + b);
            if (r.drift() && !alarmed) {
                alarmed = true;
                assertTrue(before < 0.01 && r.lr() == 0.01, "the alarm restarted the plateau at the optimizer's lr: " + r.lr());
            }
        }
        assertTrue(alarmed, "the change at batch " + CHANGE_AT + " raised an alarm");
        assertArrayEquals(original.network().params().data().asFloat(), restored.network().params().data().asFloat());
    }
}
