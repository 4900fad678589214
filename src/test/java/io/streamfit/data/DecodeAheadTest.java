package io.streamfit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The decode-ahead hand-off, with a decoder that sleeps a seeded random time per record: results
 * come back in the order offered whatever the delays, the bytes ahead never exceed the bound,
 * cancellation drops what was ahead and starts no further decode, errors reach the taker, and
 * the thread ends on close.
 */
class DecodeAheadTest {
    /** A record: its partition, offset and value; the value's first 8 bytes are its offset, for the decoder to echo. */
    record Rec(int partition, long offset, byte[] value) {}

    private static Rec rec(int partition, long offset, int size) {
        byte[] v = new byte[Math.max(8, size)];
        ByteBuffer.wrap(v).putLong(offset);
        return new Rec(partition, offset, v);
    }

    /** Echoes the offset as x[0]; rejects every 7th; counts the bytes of decodes started and the threads used. */
    private static final class Echo implements DecodeAhead.Decoder {
        final long seed;
        final int maxDelayMicros;
        final AtomicLong startedBytes = new AtomicLong();
        final AtomicInteger started = new AtomicInteger();
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        volatile long failAt = -1;
        volatile Throwable failWith;

        Echo(long seed, int maxDelayMicros) {
            this.seed = seed;
            this.maxDelayMicros = maxDelayMicros;
        }

        @Override
        public Examples decode(byte[] value) throws RejectedRecordException {
            long offset = ByteBuffer.wrap(value).getLong();
            started.incrementAndGet();
            startedBytes.addAndGet(value.length);
            threads.add(Thread.currentThread().getName());
            if (maxDelayMicros > 0) {
                LockSupport.parkNanos(new Random(seed ^ offset).nextInt(maxDelayMicros) * 1_000L);
            }
            if (offset == failAt) {
                Throwable t = failWith;
                if (t instanceof RuntimeException r) {
                    throw r;
                }
                throw (Error) t;
            }
            if (offset % 7 == 3) {
                throw new RejectedRecordException(RejectedRecordException.Reason.WRONG_WIDTH, "record " + offset);
            }
            return new Examples(1, 1, new float[] {offset}, 1, new float[] {0});
        }
    }

    private static DecodeAhead<Rec> ahead(Echo echo, long max) {
        return new DecodeAhead<>(echo, Rec::value, max, "decode-test");
    }

    @Test
    void resultsComeBackInOrderAndTheBoundHoldsUnderRandomDelays() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            Random rnd = new Random(seed);
            long max = 20_000;
            Echo echo = new Echo(seed, 400);
            List<Rec> records = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                // Mostly small records, some larger than the whole bound.
                int size = rnd.nextInt(20) == 0 ? 30_000 : 8 + rnd.nextInt(6_000);
                records.add(rec(i % 3, 1000 + i, size));
            }
            long takenBytes = 0;
            int taken = 0;
            int maxAhead = 0;
            try (DecodeAhead<Rec> a = ahead(echo, max)) {
                int next = 0;
                while (taken < records.size()) {
                    while (next < records.size() && a.offer(records.get(next))) {
                        next++;
                    }
                    maxAhead = Math.max(maxAhead, a.ahead());
                    long aheadBytes = echo.startedBytes.get() - takenBytes;
                    int aheadRecords = echo.started.get() - taken;
                    assertTrue(aheadBytes <= max || aheadRecords == 1,
                            "seed " + seed + ": " + aheadBytes + " bytes in " + aheadRecords + " records decoded ahead");
                    DecodeAhead.Decoded<Rec> d = a.take();
                    Rec expected = records.get(taken);
                    assertSame(expected, d.record(), "seed " + seed + ": record " + taken + " in order");
                    if (expected.offset() % 7 == 3) {
                        assertNull(d.examples());
                        assertEquals("record " + expected.offset(), d.rejected().getMessage());
                    } else {
                        assertNull(d.rejected());
                        assertEquals(expected.offset(), (long) d.examples().x()[0]);
                    }
                    takenBytes += expected.value().length;
                    taken++;
                    if (rnd.nextInt(4) == 0) {
                        LockSupport.parkNanos(rnd.nextInt(500) * 1_000L); // a training step
                    }
                }
                assertNull(a.take(), "nothing left");
                assertEquals(Set.of("decode-test"), echo.threads, "decoded on the decode thread only");
                assertTrue(maxAhead > 1, "records were decoded ahead: " + maxAhead);
            }
        }
    }

    @Test
    void aRecordLargerThanTheBoundIsAcceptedOnlyAlone() throws Exception {
        try (DecodeAhead<Rec> a = ahead(new Echo(1, 0), 1_000)) {
            assertTrue(a.offer(rec(0, 0, 100)));
            assertFalse(a.offer(rec(0, 1, 5_000)), "not beside another record");
            assertEquals(0, (long) a.take().examples().x()[0]);
            assertTrue(a.offer(rec(0, 1, 5_000)), "alone, it is accepted");
            assertFalse(a.offer(rec(0, 2, 100)), "and nothing beside it");
            assertEquals(1, (long) a.take().examples().x()[0]);
        }
    }

    @Test
    void cancelDropsWhatWasAheadAndStartsNoFurtherDecode() throws Exception {
        Echo echo = new Echo(3, 5_000);
        DecodeAhead<Rec> a = ahead(echo, 1 << 20);
        for (int i = 0; i < 50; i++) {
            assertTrue(a.offer(rec(0, i, 100)));
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(i, (long) a.take().examples().x()[0]);
        }
        a.cancel();
        int startedAtCancel = echo.started.get();
        assertEquals(0, a.ahead());
        assertNull(a.take(), "nothing ahead after cancel");
        Thread.sleep(100); // longer than a decode: one running at cancel has ended
        assertTrue(echo.started.get() <= startedAtCancel, "no decode started after cancel: "
                + echo.started.get() + " vs " + startedAtCancel);
        assertTrue(startedAtCancel < 50, "cancelled before everything was decoded: " + startedAtCancel);
        // Offsets go on (a rollback sought back to 10): what comes back is the new records, not stale ones.
        for (int i = 10; i < 15; i++) {
            assertTrue(a.offer(rec(0, i, 100)));
        }
        for (int i = 10; i < 15; i++) {
            assertEquals(i, a.take().record().offset());
        }
        Thread t = a.thread();
        assertNotNull(t);
        a.close();
        assertFalse(t.isAlive(), "the decode thread ended on close");
        assertThrows(IllegalStateException.class, () -> a.offer(rec(0, 99, 10)), "closed");
    }

    @Test
    void closeEndsTheThreadWhileItDecodes() throws Exception {
        Echo echo = new Echo(4, 20_000);
        DecodeAhead<Rec> a = ahead(echo, 1 << 20);
        for (int i = 0; i < 20; i++) {
            a.offer(rec(0, i, 100));
        }
        Thread t = a.thread();
        a.close();
        assertFalse(t.isAlive(), "ended");
        assertTrue(echo.started.get() < 20, "stopped before decoding everything: " + echo.started.get());
        assertTrue(t.isDaemon(), "a daemon: never holds the JVM up");
    }

    @Test
    void anUnexpectedErrorReachesTheTakerInItsPlace() throws Exception {
        for (Throwable boom : List.of(new IllegalStateException("bug"), new OutOfMemoryError("injected"))) {
            Echo echo = new Echo(5, 200);
            echo.failAt = 5;
            echo.failWith = boom;
            try (DecodeAhead<Rec> a = ahead(echo, 1 << 20)) {
                for (int i = 0; i < 10; i++) {
                    assertTrue(a.offer(rec(0, i, 100)));
                }
                for (int i = 0; i < 5; i++) {
                    DecodeAhead.Decoded<Rec> d = a.take();
                    assertEquals(i, d.record().offset(), "records before the failing one come back first");
                }
                Throwable thrown = assertThrows(Throwable.class, a::take);
                assertSame(boom, thrown, "the decoder's own throwable, on the taking thread");
            }
        }
    }

    @Test
    void turnedOffItDecodesOneRecordAtATimeOnTheCallingThread() throws Exception {
        Echo echo = new Echo(6, 0);
        try (DecodeAhead<Rec> a = ahead(echo, 0)) {
            assertFalse(a.threaded());
            assertTrue(a.offer(rec(2, 40, 100)));
            assertFalse(a.offer(rec(2, 41, 100)), "one at a time");
            assertEquals(0, echo.started.get(), "nothing decoded before take");
            DecodeAhead.Decoded<Rec> d = a.take();
            assertEquals(2, d.record().partition());
            assertEquals(40, (long) d.examples().x()[0]);
            assertEquals(Set.of(Thread.currentThread().getName()), echo.threads);
            assertNull(a.thread(), "no thread started");
        }
    }
}
