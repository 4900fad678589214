package io.streamfit.stream;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;

/**
 * A real producer that fails chosen {@code commitTransaction} calls (counted across all
 * producers sharing {@code commits}) without committing, leaving the transaction open, as a
 * broker error mid-commit would.
 */
final class FaultyProducer implements Producer<byte[], byte[]> {
    /**
     * What else goes wrong: a hook run just before an injected commit failure, aborts failing too;
     * {@code beforeCommit} runs with each commit's number (1-based) before it commits or fails,
     * on the thread that commits.
     */
    record Faults(Runnable beforeFailure, boolean abortFails, AtomicInteger inits, IntConsumer beforeCommit) {
        static final Faults NONE = new Faults(() -> {}, false, new AtomicInteger());

        Faults(Runnable beforeFailure, boolean abortFails, AtomicInteger inits) {
            this(beforeFailure, abortFails, inits, n -> {});
        }

        /** Only a hook before each commit. */
        static Faults beforeCommit(IntConsumer hook) {
            return new Faults(() -> {}, false, new AtomicInteger(), hook);
        }
    }

    private final Producer<byte[], byte[]> delegate;
    private final AtomicInteger commits;
    private final List<Integer> failing;
    private final Faults faults;

    FaultyProducer(Producer<byte[], byte[]> delegate, AtomicInteger commits, List<Integer> failing, Faults faults) {
        this.delegate = delegate;
        this.commits = commits;
        this.failing = failing;
        this.faults = faults;
    }

    /** Clients whose transactional producers fail the given commits (1-based). */
    static KafkaClients clients(Map<String, Object> base, AtomicInteger commits, List<Integer> failing) {
        return clients(base, commits, failing, Faults.NONE);
    }

    static KafkaClients clients(Map<String, Object> base, AtomicInteger commits, List<Integer> failing, Faults faults) {
        return new KafkaClients(base) {
            @Override
            public Producer<byte[], byte[]> transactionalProducer(String transactionalId, int maxRequestBytes) {
                return new FaultyProducer(super.transactionalProducer(transactionalId, maxRequestBytes), commits, failing,
                        faults);
            }
        };
    }

    @Override
    public void commitTransaction() {
        int n = commits.incrementAndGet();
        faults.beforeCommit().accept(n);
        if (failing.contains(n)) {
            faults.beforeFailure().run();
            throw new KafkaException("injected failure of commit #" + n);
        }
        delegate.commitTransaction();
    }

    @Override
    public void initTransactions() {
        faults.inits().incrementAndGet();
        delegate.initTransactions();
    }

    @Override
    public void beginTransaction() {
        delegate.beginTransaction();
    }

    @Override
    public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
        delegate.sendOffsetsToTransaction(offsets, groupMetadata);
    }

    @Override
    public void abortTransaction() {
        if (faults.abortFails()) {
            throw new KafkaException("injected failure of abort");
        }
        delegate.abortTransaction();
    }

    @Override
    public void registerMetricForSubscription(KafkaMetric metric) {
        delegate.registerMetricForSubscription(metric);
    }

    @Override
    public void unregisterMetricFromSubscription(KafkaMetric metric) {
        delegate.unregisterMetricFromSubscription(metric);
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        return delegate.send(record);
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
        return delegate.send(record, callback);
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        return delegate.partitionsFor(topic);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        return delegate.metrics();
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
        return delegate.clientInstanceId(timeout);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void close(Duration timeout) {
        delegate.close(timeout);
    }
}
