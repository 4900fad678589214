package io.streamfit.data;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A bounded, cancellable hand-off that decodes records on a second thread while the training
 * thread trains: the training thread {@link #offer}s records and {@link #take}s them back decoded,
 * and meanwhile one decoder thread works through the records offered so far. JSON decoding cost
 * about as much as the 784-256-256-10 training step per example on the 2-core machines this
 * project measures on (issue 13: 2,418 examples/s end to end against a step of 6,550), so running
 * it beside the step instead of before it uses the second core that otherwise idles. It pays only
 * when that core is free: on a 2-vCPU machine at load 12-13 (other builds running) the
 * {@code train} command over 60,000 Fashion-MNIST JSON records ran at 1,929-2,009 examples/s with
 * it and 2,004-2,138 without, back to back (the two threads of one process compete for the same
 * slice of CPU); the quiet-machine figure is the integrator's to take.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Order</b>: records come back from {@link #take} exactly in the order they were offered,
 *       each with the record itself (its partition and offset untouched) and either its
 *       {@link Examples} or the {@link RejectedRecordException} that refused it; so batching by
 *       offset, dead-lettering with the original record and positions are what they are without
 *       the hand-off. There is one decoder thread, and it works first in, first out.</li>
 *   <li><b>Bound</b>: the values of the records offered and not yet taken (waiting, being decoded,
 *       or decoded) add up to at most {@code maxAheadBytes}, or they are a single record: a record
 *       larger than the bound is accepted only when nothing else is ahead (and right after a
 *       {@link #cancel}, one record whose decode was running may still finish). A decoded JSON record
 *       holds at most twice its value's bytes (a number takes at least two bytes of text, one
 *       float32 four), a binary one about its value's bytes.</li>
 *   <li><b>Cancellation</b>: {@link #cancel} drops everything offered and not yet taken, decoded
 *       or not; a decode still running when it is called finishes and its result is dropped. The
 *       decoder thread then waits for new records.</li>
 *   <li><b>Errors</b>: a record the decoder rejects comes back as a rejection; any other
 *       {@link Throwable} of the decoder (a bug, an {@link OutOfMemoryError}) is rethrown by the
 *       {@link #take} that reaches its record, on the training thread, as it would have been
 *       thrown there without the hand-off.</li>
 *   <li><b>Threads</b>: {@link #offer}, {@link #take}, {@link #cancel} and {@link #close} belong to
 *       one thread, the training thread. The decoder thread is a daemon started with the first
 *       record and ended by {@link #close} (which waits for it), so it does not outlive its owner.
 *       The decoder is used by that thread only (by the training thread when turned off).</li>
 * </ul>
 *
 * <p>With {@code maxAheadBytes == 0} there is no second thread: {@link #offer} accepts one record
 * at a time and {@link #take} decodes it on the calling thread, as the service did before the
 * hand-off (the setting for a pod with one CPU, where a second thread only adds switches).
 *
 * @param <R> the record type (a Kafka record, a line of a file); only its value is read here
 */
public final class DecodeAhead<R> implements AutoCloseable {
    /**
     * The default bound: 1 MiB of record values, about 200 Fashion-MNIST JSON records (three
     * batches of 64) or 16 records of 64 KB: enough to keep the decoder busy through a step.
     */
    public static final long DEFAULT_MAX_AHEAD_BYTES = 1 << 20;

    /** The bytes one rejected or failed record is charged in the bound (it holds no examples). */
    private static final int MIN_CHARGE = 64;

    /** One record, decoded: exactly one of {@code examples} and {@code rejected} is non-null. */
    public record Decoded<R>(R record, Examples examples, RejectedRecordException rejected) {}

    private static final class Slot<R> {
        final R record;
        final long charge;
        Examples examples;
        RejectedRecordException rejected;
        Throwable error;
        boolean done;

        Slot(R record, long charge) {
            this.record = record;
            this.charge = charge;
        }
    }

    /** How a record value is decoded: {@link RecordDecoder#decode}. */
    @FunctionalInterface
    public interface Decoder {
        Examples decode(byte[] value) throws RejectedRecordException;
    }

    private final Decoder decoder;
    private final Function<R, byte[]> value;
    private final long maxAheadBytes;
    private final String threadName;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition decoded = lock.newCondition();
    /** Offered and not yet taken, in order; the decoder works on the first slot not done. */
    private final ArrayDeque<Slot<R>> ahead = new ArrayDeque<>();
    /** Offered and not yet picked up by the decoder. */
    private final ArrayDeque<Slot<R>> waiting = new ArrayDeque<>();
    private long aheadBytes;
    private boolean closed;
    private Thread thread;

    /**
     * @param value         the bytes to decode of a record
     * @param maxAheadBytes the bound on the bytes ahead of the training thread; 0 decodes on the
     *                      training thread, in {@link #take}
     * @param threadName    the decoder thread's name
     */
    public DecodeAhead(Decoder decoder, Function<R, byte[]> value, long maxAheadBytes, String threadName) {
        if (maxAheadBytes < 0) {
            throw new IllegalArgumentException("maxAheadBytes must be >= 0: " + maxAheadBytes);
        }
        this.decoder = decoder;
        this.value = value;
        this.maxAheadBytes = maxAheadBytes;
        this.threadName = threadName;
    }

    /** Whether records are decoded on a second thread. */
    public boolean threaded() {
        return maxAheadBytes > 0;
    }

    /**
     * Hands a record to the decoder, unless that would break the bound: returns false (and keeps
     * nothing) when records are ahead and this one does not fit beside them.
     */
    public boolean offer(R record) {
        byte[] v = value.apply(record);
        long charge = Math.max(MIN_CHARGE, v == null ? 0 : v.length);
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("decode-ahead is closed");
            }
            if (!ahead.isEmpty() && aheadBytes + charge > maxAheadBytes) {
                return false;
            }
            Slot<R> slot = new Slot<>(record, charge);
            ahead.add(slot);
            aheadBytes += charge;
            if (threaded()) {
                waiting.add(slot);
                startIfNeeded();
                work.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** How many records are offered and not yet taken. */
    public int ahead() {
        lock.lock();
        try {
            return ahead.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The first record offered and not yet taken, decoded, waiting for the decoder if needed; null
     * when nothing is ahead. Rethrows what the decoder threw on that record, other than a rejection.
     */
    public Decoded<R> take() throws InterruptedException {
        Slot<R> slot;
        lock.lock();
        try {
            slot = ahead.peek();
            if (slot == null) {
                return null;
            }
            while (threaded() && !slot.done) {
                if (!decoded.await(1, TimeUnit.SECONDS) && !slot.done && (thread == null || !thread.isAlive())) {
                    throw new IllegalStateException("the decoder thread " + threadName + " ended unexpectedly");
                }
            }
            ahead.poll();
            aheadBytes -= slot.charge;
        } finally {
            lock.unlock();
        }
        if (!threaded()) {
            decode(slot);
        }
        if (slot.error != null) {
            throw rethrow(slot.error);
        }
        return new Decoded<>(slot.record, slot.examples, slot.rejected);
    }

    /** Drops every record offered and not yet taken; a decode in progress is dropped when it ends. */
    public void cancel() {
        lock.lock();
        try {
            ahead.clear();
            waiting.clear();
            aheadBytes = 0;
        } finally {
            lock.unlock();
        }
    }

    /** Drops what is ahead and ends the decoder thread, waiting for it (a decode in progress ends first). */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closed = true;
            ahead.clear();
            waiting.clear();
            aheadBytes = 0;
            work.signalAll();
            t = thread;
        } finally {
            lock.unlock();
        }
        if (t != null && t != Thread.currentThread()) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true; // the thread ends with its current record; then restore the flag
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The decoder thread, if it was started (for tests: it must have ended after {@link #close}). */
    Thread thread() {
        lock.lock();
        try {
            return thread;
        } finally {
            lock.unlock();
        }
    }

    private void startIfNeeded() {
        if (thread == null) {
            thread = new Thread(this::decodeLoop, threadName);
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void decodeLoop() {
        while (true) {
            Slot<R> slot;
            lock.lock();
            try {
                while (!closed && waiting.isEmpty()) {
                    work.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                slot = waiting.poll();
            } finally {
                lock.unlock();
            }
            decode(slot); // outside the lock: the training thread takes and offers meanwhile
            lock.lock();
            try {
                slot.done = true; // a cancelled slot is in no queue any more: nobody sees it
                decoded.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    private void decode(Slot<R> slot) {
        try {
            slot.examples = decoder.decode(value.apply(slot.record));
        } catch (RejectedRecordException e) {
            slot.rejected = e;
        } catch (Throwable t) { // handed to the training thread, which stops the model with it
            slot.error = t;
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("decoding failed", t);
    }
}
