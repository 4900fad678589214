package io.streamfit.stream;

import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.jboss.logging.Logger;

/**
 * A model's transactional producer and the transaction open on it: begun on first use (a dead
 * letter or a snapshot), committed by {@link SnapshotCommitter} on its own thread, aborted on
 * failure. It decides nothing: what follows a failure is {@link SnapshotLineage}'s to decide.
 *
 * <p>Call order, all on the training thread: {@link #open} first; {@link #awaitCommit} before any
 * other use of the producer while a commit may be in flight; {@link #close} last. Kafka's
 * exceptions pass through unchanged.
 */
final class SnapshotTransactions implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SnapshotTransactions.class);

    private final KafkaClients clients;
    private final String transactionalId;
    private final int maxBytes;
    private final SnapshotCommitter committer;
    private Producer<byte[], byte[]> producer;
    /** A transaction is open on the producer and this thread owns it (false while the committer has it). */
    private boolean inTransaction;
    private long beganNanos;

    SnapshotTransactions(KafkaClients clients, String transactionalId, int maxBytes, String commitThreadName) {
        this.clients = clients;
        this.transactionalId = transactionalId;
        this.maxBytes = maxBytes;
        this.committer = new SnapshotCommitter(commitThreadName);
    }

    /**
     * A new producer whose {@code initTransactions} fences every older producer of the model and
     * makes the coordinator finish a transaction left open one way or the other; a previous
     * producer of this instance is closed first, without waiting.
     */
    void open() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException ignored) {
                // closing a broken producer may fail as well
            }
        }
        producer = clients.transactionalProducer(transactionalId, maxBytes);
        producer.initTransactions();
    }

    boolean inTransaction() {
        return inTransaction;
    }

    /** A transaction has been open longer than {@code max} (its dead letters wait for a snapshot). */
    boolean openLongerThan(Duration max) {
        return inTransaction && System.nanoTime() - beganNanos >= max.toNanos();
    }

    /** Sends {@code record} in the open transaction, beginning one if none is. */
    void send(ProducerRecord<byte[], byte[]> record) {
        beginIfNeeded();
        producer.send(record);
    }

    /**
     * Hands the open transaction (begun here if none is), with {@code s} and its offsets, to the
     * committer; see {@link SnapshotCommitter#submit}.
     */
    void commit(String snapshotTopic, String key, String bestKey, String inputTopic, ConsumerGroupMetadata group,
            SnapshotCommitter.Snapshot s) {
        beginIfNeeded();
        committer.submit(producer, snapshotTopic, key, bestKey, inputTopic, group, s);
        inTransaction = false; // the committer's now
    }

    /** Before every poll: see {@link SnapshotCommitter#awaitOffsetsAdded}. */
    void awaitOffsetsAdded() throws InterruptedException {
        committer.awaitOffsetsAdded();
    }

    /** Whether a commit ended that {@link #awaitCommit} has not returned yet. */
    boolean commitFinished() {
        return committer.finished();
    }

    /**
     * Waits for the commit in flight and returns how it ended, or null when none was in flight. A
     * failed commit's transaction is this thread's again, to abort.
     */
    SnapshotCommitter.Outcome awaitCommit() throws InterruptedException {
        SnapshotCommitter.Outcome o = committer.await();
        if (o != null && !o.committed()) {
            inTransaction = true;
        }
        return o;
    }

    /** Aborts the open transaction; Kafka's exceptions pass through, and the transaction stays open then. */
    void abort() {
        producer.abortTransaction();
        inTransaction = false;
    }

    /**
     * Aborts the open transaction for a recovery: returns false when even the abort failed (the
     * outcome is unknown: {@link #open} a new producer); fencing is rethrown.
     */
    boolean abortKnowingOutcome(String modelId) {
        try {
            producer.abortTransaction();
            return true;
        } catch (ProducerFencedException e) {
            throw e; // another instance owns the model now; re-initializing would fence it back
        } catch (RuntimeException e) {
            LOG.warnf("model %s: abort failed too (%s): replacing the producer", modelId, e.toString());
            return false;
        } finally {
            inTransaction = false;
        }
    }

    /** Aborts the open transaction once, ignoring any failure: for a model this instance gave up. */
    void abortQuietly(String modelId) {
        if (inTransaction) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException e) {
                LOG.debugf("model %s: abort while abandoning failed (%s); the transaction times out on the broker", modelId, e);
            }
            inTransaction = false;
        }
    }

    private void beginIfNeeded() {
        if (!inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
            beganNanos = System.nanoTime();
        }
    }

    /** Ends the committer (waiting for a commit in flight), then closes the producer. */
    @Override
    public void close() {
        committer.close(); // the producer is the committer's until its commit ended
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("producer close", e);
            }
        }
    }
}
