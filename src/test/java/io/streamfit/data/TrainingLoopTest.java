package io.streamfit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.Position;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import io.streamfit.train.NativeThreads;
import io.streamfit.train.StepResult;
import io.streamfit.train.TrainingListener;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shared decode-batch-train path, with decode-ahead on and off: the same records give
 * bitwise the same model and the same hook calls; abandoning stops training at once and the
 * batcher's positions say where; a decoder's unexpected error comes out of {@link TrainingLoop#run}.
 */
class TrainingLoopTest {
    private static final ModelSpec SPEC = SpecParser.parse("""
            id: loop
            topic: loop.in
            input_width: 3
            task: {type: classification, classes: 2}
            layers: [{type: dense, units: 4}, {type: relu}, {type: dense, units: 2}]
            optimizer: {type: adam, lr: 0.01}
            batch_size: 4
            seed: 9
            """);

    record Rec(long offset, byte[] value) {}

    private static final TrainingLoop.RecordView<Rec> VIEW = new TrainingLoop.RecordView<>(r -> 0, Rec::offset, Rec::value);

    /** Record i: 1 + i % 3 examples, features from i; every 5th rejected. */
    private static Examples decode(byte[] value) throws RejectedRecordException {
        long i = ByteBuffer.wrap(value).getLong();
        if (i % 5 == 4) {
            throw new RejectedRecordException(RejectedRecordException.Reason.NON_FINITE, "record " + i);
        }
        int n = 1 + (int) (i % 3);
        float[] x = new float[n * 3];
        float[] y = new float[n];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) Math.sin(i * 7 + k);
        }
        for (int k = 0; k < n; k++) {
            y[k] = (i + k) % 2;
        }
        return new Examples(n, 3, x, 1, y);
    }

    private static List<Rec> records(int n) {
        List<Rec> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Rec(i, ByteBuffer.allocate(8).putLong(i).array()));
        }
        return out;
    }

    /** Records the hook and listener calls; abandons after {@code abandonAfter} steps. */
    private static final class Calls implements TrainingLoop.Hooks<Rec>, TrainingListener {
        final ModelState state = ModelState.fresh(SPEC);
        final List<String> log = new ArrayList<>();
        final int abandonAfter;
        TrainingLoop<Rec> loop;

        Calls(int abandonAfter) {
            this.abandonAfter = abandonAfter;
        }

        @Override
        public ModelState state() {
            return state;
        }

        @Override
        public void rejected(Rec record, RejectedRecordException e) {
            log.add("rejected " + record.offset());
        }

        @Override
        public void step(ModelState s, StepResult result, long nanos) {
            log.add("listener step " + s.steps() + (s == state ? "" : " of another state"));
        }

        @Override
        public void rejected(String reason) {
            log.add("listener rejected " + reason);
        }

        @Override
        public void afterStep(Rec record, StepResult result, long nanos) {
            log.add("step " + state.steps() + " at " + record.offset());
            if (state.steps() == abandonAfter) {
                loop.abandon();
            }
        }
    }

    private static Calls run(long aheadBytes, int records, int abandonAfter) throws Exception {
        Calls calls = new Calls(abandonAfter);
        try (TrainingLoop<Rec> loop = new TrainingLoop<>(TrainingLoopTest::decode, new Batcher(4), VIEW, calls, calls, aheadBytes,
                "decode-loop")) {
            calls.loop = loop;
            loop.run(records(records).iterator());
            calls.log.add("positions " + loop.batcher().positions());
        }
        return calls;
    }

    @Test
    void onAndOffTrainBitwiseTheSameWithTheSameHookCalls() throws Exception {
        NativeThreads.configure(1);
        Calls on = run(64, 200, -1); // a small bound: the hand-off is full most of the time
        Calls off = run(0, 200, -1);
        assertEquals(off.log, on.log);
        assertEquals(off.state.steps(), on.state.steps());
        assertArrayEquals(off.state.network().params().toFloatVector(), on.state.network().params().toFloatVector());
        assertTrue(on.log.contains("rejected 4") && on.log.contains("rejected 194"), "rejections reported with their record");
        // The listener (metrics) hears of every step and rejection, just before the hooks do.
        int firstStep = on.log.indexOf("listener step 1");
        assertTrue(firstStep >= 0 && on.log.get(firstStep + 1).startsWith("step 1 at "), on.log.toString());
        int firstRejected = on.log.indexOf("listener rejected non_finite");
        assertEquals("rejected 4", on.log.get(firstRejected + 1));
        assertEquals(on.state.steps(), on.log.stream().filter(l -> l.startsWith("listener step")).count());
    }

    @Test
    void abandonStopsAtOnceAndThePositionsSayWhere() throws Exception {
        for (long ahead : new long[] {0, 1 << 20}) {
            Calls c = run(ahead, 200, 3);
            assertEquals(3, c.state.steps(), "no batch after abandon");
            String last = c.log.get(c.log.size() - 2);
            assertEquals("step 3 at ", last.substring(0, 10));
            long at = Long.parseLong(last.substring(10));
            // The record that completed batch 3 is the last one offered: nothing after it was looked at.
            long before = at == 0 ? 0 : examplesUpTo(at - 1);
            Position expected = examplesUpTo(at) == 12 ? new Position(at + 1, 0) : new Position(at, (int) (12 - before));
            assertEquals("positions " + Map.of(0, expected), c.log.get(c.log.size() - 1), "decode-ahead " + ahead);
        }
    }

    /** Examples in records 0..at, rejected ones excluded. */
    private static long examplesUpTo(long at) {
        long n = 0;
        for (long i = 0; i <= at; i++) {
            n += i % 5 == 4 ? 0 : 1 + i % 3;
        }
        return n;
    }

    @Test
    void anUnexpectedDecoderErrorComesOutOfRun() throws Exception {
        OutOfMemoryError boom = new OutOfMemoryError("injected");
        for (long ahead : new long[] {0, 1 << 20}) {
            Calls calls = new Calls(-1);
            try (TrainingLoop<Rec> loop = new TrainingLoop<>(v -> {
                if (ByteBuffer.wrap(v).getLong() == 30) {
                    throw boom;
                }
                return decode(v);
            }, new Batcher(4), VIEW, calls, (s, r, n) -> {}, ahead, "decode-loop")) {
                Throwable t = assertThrows(Throwable.class, () -> loop.run(records(100).iterator()));
                assertSame(boom, t);
                assertEquals(examplesUpTo(29) / 4, calls.state.steps(), "trained everything before the bad record");
            }
        }
    }
}
