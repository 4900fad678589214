package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.EarlyStopping.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EarlyStoppingTest {

    private static EarlyStopping rule(int every, int check, int patience, double minDelta, double increase, long after) {
        return new EarlyStopping(new ModelSpec.EarlyStoppingSpec(every, check, patience, minDelta, increase, after));
    }

    /** Feeds batches until the next held-out one, returning the roles of those before it. */
    private static List<Role> untilHeldOut(EarlyStopping e) {
        List<Role> roles = new ArrayList<>();
        Role r;
        while ((r = e.next()) != Role.HOLD_OUT) {
            roles.add(r);
        }
        return roles;
    }

    @Test
    void everyKthBatchIsHeldOutAndChecksAverageOverTheirExamples() {
        EarlyStopping e = rule(3, 2, 5, 0, 0, 0);
        assertEquals(List.of(Role.TRAIN, Role.TRAIN), untilHeldOut(e));
        assertNull(e.heldOut(10.0, 4), "one held-out batch of two: no check yet");
        assertEquals(List.of(Role.TRAIN, Role.TRAIN), untilHeldOut(e));
        EarlyStopping.Check c = e.heldOut(2.0, 1);
        assertEquals(12.0 / 5, c.loss(), 1e-15, "summed losses over held-out examples");
        assertTrue(c.improved());
        assertEquals(12.0 / 5, e.best());
        assertEquals(5, e.heldOutExamples());
    }

    @Test
    void pausesAfterPatienceChecksWithoutImprovementAndResumesWhenTheLossDrifts() {
        EarlyStopping e = rule(2, 1, 2, 0.1, 0.5, 0);
        untilHeldOut(e);
        assertTrue(e.heldOut(1.0, 1).improved());
        untilHeldOut(e);
        assertFalse(e.heldOut(0.95, 1).improved(), "better by less than min_delta is no improvement");
        untilHeldOut(e);
        EarlyStopping.Check c = e.heldOut(0.8, 1);
        assertTrue(c.improved(), "0.8 < 1.0 - 0.1");
        untilHeldOut(e);
        assertFalse(e.heldOut(0.9, 1).paused());
        assertEquals(1, e.checksWithoutImprovement());
        untilHeldOut(e);
        assertTrue(e.heldOut(0.85, 1).paused(), "second check in a row without improvement");
        assertTrue(e.paused());
        assertEquals(List.of(Role.PAUSED), untilHeldOut(e));
        EarlyStopping.Check still = e.heldOut(1.15, 1);
        assertFalse(still.resumed(), "1.15 is not above 0.8 * 1.5");
        assertFalse(still.improved());
        assertEquals(0.8, e.best(), "paused checks never move best");
        untilHeldOut(e);
        EarlyStopping.Check drift = e.heldOut(1.3, 1);
        assertTrue(drift.resumed(), "1.3 > 0.8 * 1.5: the data changed");
        assertFalse(e.paused());
        assertEquals(1.3, e.best(), "a drift resume re-bases on the present loss");
        assertEquals(0.8, e.taggedLoss(), "the best snapshot is still the one validated at 0.8");
        assertEquals(List.of(Role.TRAIN), untilHeldOut(e));
        assertEquals(1, e.pauses());
        assertEquals(1, e.resumes());
    }

    @Test
    void resumesAfterTheConfiguredNumberOfPausedBatchesOrOnRequest() {
        EarlyStopping e = rule(10, 1, 1, 0, 0, 4);
        untilHeldOut(e);
        e.heldOut(1.0, 1);
        untilHeldOut(e);
        assertTrue(e.heldOut(1.0, 1).paused());
        assertEquals(List.of(Role.PAUSED, Role.PAUSED, Role.PAUSED, Role.PAUSED, Role.TRAIN, Role.TRAIN, Role.TRAIN, Role.TRAIN,
                Role.TRAIN), untilHeldOut(e));
        assertFalse(e.paused());

        EarlyStopping manual = rule(2, 1, 1, 0, 0, 0);
        assertFalse(manual.resume(), "nothing to resume");
        untilHeldOut(manual);
        manual.heldOut(1.0, 1);
        untilHeldOut(manual);
        manual.heldOut(2.0, 1);
        assertTrue(manual.paused());
        assertTrue(manual.resume());
        assertEquals(1.0, manual.best(), "a resume on request keeps the best: the model must beat it again");
        assertEquals(1.0, manual.taggedLoss());
        assertEquals(Role.TRAIN, manual.next());
    }

    private static final String SPEC = """
            id: es
            topic: t
            input_width: 5
            task: {type: classification, classes: 3}
            layers: [{type: dense, units: 8}, {type: relu}, {type: dense, units: 3}]
            optimizer: {type: adam, lr: %s}
            batch_size: 4
            seed: 3
            """;

    @Test
    void heldOutBatchesAreNeverTrainedOn() {
        List<Batch> data = LockstepRestoreTest.batches(30);
        ModelState withHoldout = ModelState.fresh(SpecParser.parse(SPEC.formatted("0.01")
                + "early_stopping: {holdout_every: 3, check_batches: 2, patience: 1000}\n"));
        ModelState onlyTraining = ModelState.fresh(SpecParser.parse(SPEC.formatted("0.01")));
        int checks = 0;
        for (int i = 0; i < data.size(); i++) {
            StepResult r = withHoldout.train(data.get(i));
            if ((i + 1) % 3 == 0) {
                assertEquals(Role.HOLD_OUT, r.role());
                assertFalse(r.applied());
                checks += r.check() == null ? 0 : 1;
            } else {
                assertTrue(r.applied());
                onlyTraining.train(data.get(i));
            }
        }
        assertEquals(5, checks, "10 held-out batches, 2 per check");
        assertArrayEquals(onlyTraining.network().params().toFloatVector(), withHoldout.network().params().toFloatVector(),
                "a model with a held-out slice equals one that never saw those batches");
        assertEquals(20, withHoldout.steps());
        assertEquals(80, withHoldout.examplesSeen(), "held-out examples are not counted as seen by training");
        assertEquals(40, withHoldout.earlyStopping().heldOutExamples());
    }

    @Test
    void aModelThatStopsImprovingPausesItsUpdates() {
        // lr 0: the held-out loss of the same batch never changes, so only the first check improves.
        Batch b = LockstepRestoreTest.batches(1).get(0);
        ModelState s = ModelState.fresh(SpecParser.parse(SPEC.formatted("0")
                + "early_stopping: {holdout_every: 2, check_batches: 1, patience: 3}\n"));
        List<Role> roles = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            roles.add(s.train(b).role());
        }
        // checks at batches 2 (improves), 4, 6, 8 (third without improvement: pause)
        assertEquals(List.of(Role.TRAIN, Role.HOLD_OUT, Role.TRAIN, Role.HOLD_OUT, Role.TRAIN, Role.HOLD_OUT, Role.TRAIN,
                Role.HOLD_OUT, Role.PAUSED, Role.HOLD_OUT, Role.PAUSED, Role.HOLD_OUT), roles);
        assertEquals(4, s.steps(), "steps only while training");
        assertTrue(s.earlyStopping().paused());
        assertEquals((4 + 2) * 4, s.examplesSeen(), "paused batches are still scored prequentially");
    }

    @Test
    void earlyStoppingStateContinuesExactlyAfterARestore() throws Exception {
        ModelSpec spec = SpecParser.parse(SPEC.formatted("0.05")
                + "early_stopping: {holdout_every: 3, check_batches: 2, patience: 2, resume: {after_batches: 3}}\n");
        List<Batch> data = LockstepRestoreTest.batches(60);
        ModelState straight = ModelState.fresh(spec);
        List<Role> straightRoles = new ArrayList<>();
        for (Batch b : data) {
            straightRoles.add(straight.train(b).role());
        }
        assertTrue(straight.earlyStopping().pauses() > 0, "the run pauses at least once: " + straightRoles);
        for (int k : new int[] {7, 20, 31}) {
            ModelState first = ModelState.fresh(spec);
            for (Batch b : data.subList(0, k)) {
                first.train(b);
            }
            ModelState resumed = SnapshotCodec.decode(SnapshotCodec.encode(first, 1, Map.of(), Map.of()), spec);
            assertEquals(first.earlyStopping().state(), resumed.earlyStopping().state());
            List<Role> roles = new ArrayList<>(straightRoles.subList(0, k));
            for (Batch b : data.subList(k, data.size())) {
                roles.add(resumed.train(b).role());
            }
            assertEquals(straightRoles, roles, "restored at " + k);
            assertArrayEquals(straight.network().params().toFloatVector(), resumed.network().params().toFloatVector());
            assertEquals(straight.earlyStopping().state(), resumed.earlyStopping().state());
        }
        assertNotNull(straight.earlyStopping().state());
    }
}
