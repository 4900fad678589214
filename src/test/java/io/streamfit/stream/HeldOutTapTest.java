package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The landscape's held-out rows: copied before they are trained, with the parameters from before them. */
class HeldOutTapTest {
    private static ModelState model() {
        return ModelState.fresh(SpecParser.parse("""
                id: tap
                topic: t
                input_width: 3
                task: {type: classification, classes: 2}
                layers: [{type: dense, units: 4}, {type: relu}, {type: dense, units: 2}]
                optimizer: {type: sgd, lr: 0.1}
                batch_size: 4
                seed: 7
                """));
    }

    private static Batch batch(int first) {
        float[] x = new float[4 * 3];
        float[] y = new float[4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = first + i + 0.1f * j;
            }
            y[i] = (first + i) % 2;
        }
        return new Batch(4, 3, x, 1, y);
    }

    @Test
    void copiesTheParametersBeforeTheFirstRowAndTheRowsAcrossBatches() throws Exception {
        ModelState state = model();
        HeldOutTap tap = new HeldOutTap(() -> 42);
        INDArray before = state.network().params().dup();
        CompletableFuture<HeldOutTap.Capture> capture = tap.request(6);
        CompletableFuture<HeldOutTap.Capture> overlapping = tap.request(2); // e.g. the periodic sharpness gauge

        Batch first = batch(0);
        tap.offer(state, first);
        state.train(first);
        assertNotEquals(before, state.network().params(), "the step moved the parameters");
        assertFalse(capture.isDone(), "4 of 6 rows");
        Batch second = batch(10);
        tap.offer(state, second);
        state.train(second);

        HeldOutTap.Capture c = capture.get();
        assertEquals(before, c.params(), "the parameters from before the held-out rows were trained");
        assertEquals(0, c.steps());
        assertEquals(42, c.version());
        assertEquals(6, c.rows());
        float[] expectedX = new float[6 * 3];
        System.arraycopy(first.x(), 0, expectedX, 0, 12);
        System.arraycopy(second.x(), 0, expectedX, 12, 6);
        assertArrayEquals(expectedX, c.x());
        assertArrayEquals(new float[] {0, 1, 0, 1, 0, 1}, c.y());
        assertEquals(2, overlapping.get().rows(), "captures overlap, each with its own rows");
        assertEquals(before, overlapping.get().params());
        assertEquals(0, tap.pending(), "both done");
    }

    @Test
    void aCutEndsWithTheRowsSoFarOrFailsWithoutAny() throws Exception {
        ModelState state = model();
        HeldOutTap tap = new HeldOutTap(() -> 0);
        CompletableFuture<HeldOutTap.Capture> none = tap.request(8);
        tap.cut(none, "no records arrived");
        ExecutionException e = assertThrows(ExecutionException.class, none::get);
        assertEquals("no records arrived", e.getCause().getMessage());

        CompletableFuture<HeldOutTap.Capture> some = tap.request(8);
        tap.offer(state, batch(0));
        tap.cut(none, "a stale cut of the earlier capture changes nothing");
        assertFalse(some.isDone());
        tap.cut(some, "too slow");
        assertEquals(4, some.get().rows());
        assertEquals(Arrays.toString(batch(0).x()), Arrays.toString(some.get().x()));
        assertThrows(IllegalArgumentException.class, () -> tap.request(0));
    }
}
