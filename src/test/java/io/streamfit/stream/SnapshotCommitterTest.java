package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.snapshot.Position;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The commit thread's protocol against Kafka's {@link MockProducer} (its error paths; the
 * runner's tests in {@link ModelRunnerKafkaTest} run it against a real broker): the order of a
 * commit's steps, the caller left free while it runs, outcomes handed back once, and close
 * waiting for a commit in flight.
 */
class SnapshotCommitterTest {
    private static final ConsumerGroupMetadata GROUP = new ConsumerGroupMetadata("streamfit.m");

    /** A mock transactional producer that records which thread did what, and can hold or fail its commit. */
    private static class Recording extends MockProducer<byte[], byte[]> {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch release = new CountDownLatch(1);
        volatile RuntimeException commitFailure;

        Recording(boolean held) {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
            initTransactions();
            beginTransaction();
            if (!held) {
                release.countDown();
            }
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r) {
            calls.add("send " + new String(r.key(), StandardCharsets.UTF_8) + " on " + Thread.currentThread().getName());
            return super.send(r);
        }

        @Override
        public synchronized void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets,
                ConsumerGroupMetadata group) {
            calls.add("offsets on " + Thread.currentThread().getName());
            super.sendOffsetsToTransaction(offsets, group);
        }

        @Override
        public void commitTransaction() {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new KafkaException(e);
            }
            calls.add("commit on " + Thread.currentThread().getName());
            if (commitFailure != null) {
                throw commitFailure;
            }
            super.commitTransaction();
        }
    }

    private static SnapshotCommitter.Snapshot snapshot(long version, boolean best) {
        return new SnapshotCommitter.Snapshot(version, new byte[] {1, 2, 3},
                Map.of(0, new Position(41, 2), 1, new Position(7, 0)),
                Map.of(0, 41L, 1, 7L), best, 100, 1_000, 0, null);
    }

    private static void submit(SnapshotCommitter c, Recording p, SnapshotCommitter.Snapshot s) {
        c.submit(p, "streamfit.snapshots", "m", "m/best", "m.in", GROUP, s);
    }

    @Test
    void aCommitRunsSendOffsetsCommitOnItsThreadWhileTheCallerGoesOn() throws Exception {
        Recording p = new Recording(true);
        try (SnapshotCommitter c = new SnapshotCommitter("commit-m")) {
            submit(c, p, snapshot(4, true));
            assertCallerFree(c, p);
        }
    }

    /** With the commit held: the offsets are added, the commit has not ended; then it is released and booked. */
    private static void assertCallerFree(SnapshotCommitter c, Recording p) throws Exception {
        try {
            assertTrue(c.inFlight());
            c.awaitOffsetsAdded(); // returns while the commit is still held
            assertTrue(p.calls.contains("offsets on commit-m"), "the offsets are in the transaction: " + p.calls);
            Thread.sleep(100); // the commit thread is now held in commitTransaction, the caller is not
            assertFalse(c.finished(), "held in commitTransaction: not finished");
            assertFalse(p.transactionCommitted());
            p.release.countDown();
            SnapshotCommitter.Outcome o = c.await();
            assertTrue(o.committed());
            assertNull(o.recoverable());
            assertEquals(4, o.snapshot().version());
            assertFalse(c.inFlight());
            assertNull(c.await(), "an outcome is handed back once");
            assertEquals(List.of("send m on commit-m", "send m/best on commit-m", "offsets on commit-m", "commit on commit-m"),
                    p.calls);
            assertTrue(p.transactionCommitted());
            List<ProducerRecord<byte[], byte[]>> sent = p.history();
            assertArrayEquals(new byte[] {1, 2, 3}, sent.get(0).value());
            assertArrayEquals("4".getBytes(StandardCharsets.UTF_8),
                    sent.get(0).headers().lastHeader(SnapshotStore.VERSION_HEADER).value());
            assertNull(sent.get(0).headers().lastHeader(SnapshotStore.TAG_HEADER));
            assertArrayEquals("best".getBytes(StandardCharsets.UTF_8),
                    sent.get(1).headers().lastHeader(SnapshotStore.TAG_HEADER).value());
            Map<TopicPartition, OffsetAndMetadata> offsets = p.consumerGroupOffsetsHistory().get(0).get("streamfit.m");
            assertEquals(new OffsetAndMetadata(41, "v=4;skip=2"), offsets.get(new TopicPartition("m.in", 0)));
            assertEquals(new OffsetAndMetadata(7, "v=4;skip=0"), offsets.get(new TopicPartition("m.in", 1)));
        } finally {
            p.release.countDown(); // never leave close waiting for a held commit
        }
    }

    @Test
    void aSecondSnapshotIsRefusedWhileOneIsInFlight() throws Exception {
        Recording p = new Recording(true);
        try (SnapshotCommitter c = new SnapshotCommitter("commit-m")) {
            submit(c, p, snapshot(1, false));
            assertThrows(IllegalStateException.class, () -> submit(c, p, snapshot(2, false)));
            p.release.countDown();
            assertEquals(1, c.await().snapshot().version());
            assertEquals(1, p.history().size(), "the refused snapshot was not sent");
        }
    }

    @Test
    void aFailedCommitIsHandedBackToRecoverFrom() throws Exception {
        Recording p = new Recording(false);
        KafkaException failure = new KafkaException("broker gone");
        p.commitFailure = failure;
        try (SnapshotCommitter c = new SnapshotCommitter("commit-m")) {
            submit(c, p, snapshot(3, false));
            SnapshotCommitter.Outcome o = c.await();
            assertFalse(o.committed());
            assertSame(failure, o.recoverable());
            assertEquals(3, o.snapshot().version());
            assertFalse(p.transactionCommitted());
            assertFalse(p.transactionAborted(), "the committer never aborts: recovery is the training thread's");
        }
    }

    @Test
    void fencingAndErrorsAreThrownNotRecovered() throws Exception {
        Recording fenced = new Recording(false);
        fenced.commitFailure = new ProducerFencedException("another instance");
        try (SnapshotCommitter c = new SnapshotCommitter("commit-m")) {
            submit(c, fenced, snapshot(1, false));
            SnapshotCommitter.Outcome o = c.await();
            assertThrows(ProducerFencedException.class, o::recoverable);
        }
        Recording broken = new Recording(false) {
            @Override
            public synchronized void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets,
                    ConsumerGroupMetadata group) {
                throw new OutOfMemoryError("test");
            }
        };
        try (SnapshotCommitter c = new SnapshotCommitter("commit-m")) {
            submit(c, broken, snapshot(1, false));
            SnapshotCommitter.Outcome o = c.await();
            assertThrows(OutOfMemoryError.class, o::recoverable);
            assertFalse(broken.transactionCommitted(), "no commit after a step failed");
        }
    }

    @Test
    void closeWaitsForTheCommitInFlight() throws Exception {
        Recording p = new Recording(true);
        SnapshotCommitter c = new SnapshotCommitter("commit-m");
        submit(c, p, snapshot(1, false));
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            p.release.countDown();
        });
        releaser.start();
        c.close();
        assertTrue(p.transactionCommitted(), "close returned only after the commit ended, so the producer may be closed");
        releaser.join(TimeUnit.SECONDS.toMillis(5));
    }

    @Test
    void permanentErrorsAreFoundInTheCauseChain() {
        assertTrue(SnapshotCommitter.permanent(new KafkaException("wrapped",
                new TopicAuthorizationException("no write"))));
        assertTrue(SnapshotCommitter.permanent(new RecordTooLargeException("big")));
        assertFalse(SnapshotCommitter.permanent(new TimeoutException("slow broker")));
    }
}
