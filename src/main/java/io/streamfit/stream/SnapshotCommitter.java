package io.streamfit.stream;

import io.streamfit.snapshot.Position;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * Finishes a model's snapshot transactions on a thread of their own, so that training goes on
 * while the broker commits: the training thread encodes a snapshot (a consistent copy of its
 * state) and reads the consumer's group metadata, then hands both over; this class sends the
 * snapshot record(s), adds the offsets to the transaction and commits it.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>At most one commit is in flight. Its steps run in the order send (the snapshot, then its
 *       best-tagged copy), {@code sendOffsetsToTransaction} (with the group metadata read on the
 *       training thread at hand-over), {@code commitTransaction}: a snapshot and the offsets it
 *       covers commit in one transaction, exactly as when the training thread committed.</li>
 *   <li>{@link #awaitOffsetsAdded} returns once the offsets are in the transaction (or the commit
 *       ended): the consumer must not poll before, because a rebalance completed in that poll
 *       would give the group a new generation and the broker would refuse offsets carrying the
 *       old one (the commit would fail and roll back). Once added, they commit whatever the
 *       group does next, and readers of the group's offsets wait for the transaction.</li>
 *   <li>The committer never retries, aborts, closes or otherwise uses the producer beyond that
 *       one commit; what follows a failure is the training thread's to decide.</li>
 *   <li>Every commit's outcome (committed, or the exception or error it ended with) is returned
 *       by exactly one {@link #await}, on the training thread; {@link #await} happens-after the
 *       whole commit, so the producer may be used again once it returned.</li>
 * </ul>
 *
 * <p>Call order, all on the training thread (the consumer's owner): {@link #submit} with the
 * transaction begun; then, before <em>any</em> other use of the producer (dead letters, the next
 * transaction, an abort, a new producer, close) and in every rebalance callback, {@link #await};
 * before every {@code poll} of the consumer, {@link #awaitOffsetsAdded};
 * {@link #finished} may be polled at safe points to book a commit early; {@link #close} last,
 * before the producer is closed. Not thread-safe: one caller.
 */
final class SnapshotCommitter implements AutoCloseable {
    /** How long {@link #close} waits for an in-flight commit (its own timeouts end it before). */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(120);

    /**
     * One snapshot handed over, with what the training thread books once it committed.
     * {@code examplesSeen}: the examples the state it encodes has seen; {@code stallNanos}: how long
     * training stopped for it; {@code resumesApplied}: the operator resumes applied to that state.
     */
    record Snapshot(long version, byte[] bytes, Map<Integer, Position> positions, Map<Integer, Long> consumed, boolean best,
            long examplesSeen, long stallNanos, long resumesApplied, PreDrift preDrift) {}

    /** An earlier committed snapshot, {@code version}, to tag {@code <id>/pre-drift} in the same transaction. */
    record PreDrift(byte[] bytes, long version) {}

    /** How a commit ended: {@code failure} is null when it committed, after {@code commitNanos}. */
    record Outcome(Snapshot snapshot, Throwable failure, long commitNanos) {
        boolean committed() {
            return failure == null;
        }

        /**
         * The failure to recover from (abort, roll back, retry), or null when it committed;
         * fencing, and anything that is not a {@link KafkaException}, is thrown instead.
         */
        KafkaException recoverable() {
            if (failure == null) {
                return null;
            }
            if (failure instanceof KafkaException e && !(e instanceof ProducerFencedException)) {
                return e;
            }
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException("snapshot commit failed", failure);
        }
    }

    private final ExecutorService thread;
    private Future<Outcome> inFlight;
    /** Counted down when the in-flight commit's offsets were added to its transaction, or it ended. */
    private volatile CountDownLatch offsetsAdded = new CountDownLatch(0);

    SnapshotCommitter(String threadName) {
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Commits {@code s} under the snapshot topic's {@code key} (and {@code bestKey} when it is a
     * best) with its offsets, in the transaction the caller began on {@code producer}.
     *
     * @throws IllegalStateException when a commit is still in flight (call {@link #await} first)
     */
    void submit(Producer<byte[], byte[]> producer, String snapshotTopic, String key, String bestKey, String inputTopic,
            ConsumerGroupMetadata group, Snapshot s) {
        if (inFlight != null) {
            throw new IllegalStateException("a snapshot commit is still in flight");
        }
        List<ProducerRecord<byte[], byte[]>> records = records(snapshotTopic, key, bestKey, s);
        Map<TopicPartition, OffsetAndMetadata> offsets = offsets(inputTopic, s);
        CountDownLatch added = new CountDownLatch(1);
        offsetsAdded = added;
        inFlight = thread.submit(() -> {
            long started = System.nanoTime();
            try {
                for (ProducerRecord<byte[], byte[]> r : records) {
                    producer.send(r);
                }
                producer.sendOffsetsToTransaction(offsets, group);
                added.countDown();
                producer.commitTransaction();
                return new Outcome(s, null, System.nanoTime() - started);
            } catch (Throwable e) {
                return new Outcome(s, e, System.nanoTime() - started);
            } finally {
                added.countDown();
            }
        });
    }

    /** Waits until the commit in flight, if any, added its offsets to the transaction or ended. */
    void awaitOffsetsAdded() throws InterruptedException {
        offsetsAdded.await();
    }

    /** Whether a commit was handed over and its outcome not yet taken by {@link #await}. */
    boolean inFlight() {
        return inFlight != null;
    }

    /** Whether a commit is in flight and has ended, so that {@link #await} returns at once. */
    boolean finished() {
        return inFlight != null && inFlight.isDone();
    }

    /**
     * Waits for the commit in flight and returns its outcome, or null when none is in flight.
     * Interrupted, it throws and the commit stays in flight (a later {@link #await} or
     * {@link #close} waits for it).
     */
    Outcome await() throws InterruptedException {
        if (inFlight == null) {
            return null;
        }
        try {
            Outcome o = inFlight.get();
            inFlight = null;
            return o;
        } catch (ExecutionException e) {
            throw new IllegalStateException("the commit task cannot throw", e); // it catches Throwable
        }
    }

    /**
     * Waits (bounded) for a commit still in flight, dropping its outcome, and ends the thread:
     * after it returns the producer is free to be closed.
     */
    @Override
    public void close() {
        try {
            if (inFlight != null) {
                inFlight.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // dropped: the model is ending, and what it committed is what the snapshot topic says
        } finally {
            inFlight = null;
            thread.shutdownNow();
        }
    }

    /** Errors that the same transaction would hit again, however often it is retried. */
    static boolean permanent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AuthorizationException || t instanceof AuthenticationException
                    || t instanceof UnsupportedVersionException
                    || t instanceof RecordTooLargeException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The snapshot under the model's key; when it is a best, again under its best key, tagged;
     * and when a drift alarm asked for it, the last snapshot committed before the alarm under
     * {@link SnapshotStore#preDriftKey}, tagged {@code pre-drift} with its own version.
     */
    static List<ProducerRecord<byte[], byte[]>> records(String topic, String key, String bestKey, Snapshot s) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(3);
        records.add(tagged(topic, key, s.bytes(), s.version(), null));
        if (s.best()) {
            records.add(tagged(topic, bestKey, s.bytes(), s.version(), "best"));
        }
        if (s.preDrift() != null) {
            records.add(tagged(topic, SnapshotStore.preDriftKey(key), s.preDrift().bytes(), s.preDrift().version(), "pre-drift"));
        }
        return records;
    }

    private static ProducerRecord<byte[], byte[]> tagged(String topic, String key, byte[] value, long version, String tag) {
        ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic, bytes(key), value);
        rec.headers().add(SnapshotStore.VERSION_HEADER, bytes(Long.toString(version)));
        if (tag != null) {
            rec.headers().add(SnapshotStore.TAG_HEADER, bytes(tag));
        }
        return rec;
    }

    /** The group offsets a snapshot covers: its positions, with its version and skip as metadata. */
    static Map<TopicPartition, OffsetAndMetadata> offsets(String inputTopic, Snapshot s) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        s.positions().forEach((p, pos) -> offsets.put(new TopicPartition(inputTopic, p),
                new OffsetAndMetadata(pos.offset(), "v=" + s.version() + ";skip=" + pos.skip())));
        return offsets;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
