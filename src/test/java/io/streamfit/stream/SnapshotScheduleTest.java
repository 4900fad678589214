package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.Position;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a model publishes: every_steps counts untrained batches too; nothing new means no snapshot. */
class SnapshotScheduleTest {
    private static final ModelSpec SPEC = SpecParser.parse("""
            id: sched
            topic: sched.in
            input_width: 2
            task: {type: classification, classes: 2}
            layers: [{type: dense, units: 2}]
            optimizer: {type: sgd, lr: 0.1}
            batch_size: 1
            snapshot: {every_steps: 3, every_seconds: 0}
            """);

    private static void step(ModelState s) {
        s.train(new Batch(1, 2, new float[] {1, 2}, 1, new float[] {1}));
    }

    @Test
    void everyStepsCountsTrainedAndUntrainedBatches() {
        ModelState s = ModelState.fresh(SPEC);
        SnapshotSchedule schedule = new SnapshotSchedule(SPEC.snapshot());
        schedule.published(s.steps(), Map.of());
        step(s);
        step(s);
        assertFalse(schedule.dueBySteps(s.steps()), "2 of 3");
        schedule.untrainedBatch();
        assertTrue(schedule.dueBySteps(s.steps()), "2 trained + 1 held out or paused");
        schedule.published(s.steps(), Map.of(0, new Position(7, 0)));
        assertFalse(schedule.dueBySteps(s.steps()), "counting starts over");
        assertFalse(schedule.dueByTime(), "every_seconds 0 is off");
    }

    @Test
    void unchangedOnlyWhenNeitherStepsNorPositionsMoved() {
        ModelState s = ModelState.fresh(SPEC);
        SnapshotSchedule schedule = new SnapshotSchedule(SPEC.snapshot());
        schedule.published(0, Map.of(0, new Position(5, 0)));
        assertTrue(schedule.unchanged(s.steps(), Map.of(0, new Position(5, 0))));
        assertFalse(schedule.unchanged(s.steps(), Map.of(0, new Position(6, 0))), "positions moved (rejected records count)");
        step(s);
        assertFalse(schedule.unchanged(s.steps(), Map.of(0, new Position(5, 0))), "a step");
    }
}
