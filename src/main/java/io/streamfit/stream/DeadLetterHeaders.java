package io.streamfit.stream;

import io.streamfit.data.RejectedRecordException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/** Headers streamfit adds to a dead-lettered record (the original key, value and headers are kept). */
public final class DeadLetterHeaders {
    private DeadLetterHeaders() {}

    /** Short reason: decode_error, wrong_width, non_finite, bad_label, too_large, empty. */
    public static final String REASON = "streamfit.error.reason";
    /** Human-readable explanation naming the field. */
    public static final String MESSAGE = "streamfit.error.message";
    public static final String TOPIC = "streamfit.origin.topic";
    public static final String PARTITION = "streamfit.origin.partition";
    public static final String OFFSET = "streamfit.origin.offset";
    public static final String MODEL = "streamfit.model.id";
    /**
     * Present when the original key, value and headers were left out because the record was too
     * large for a dead-letter record; its value is the original size in bytes. Read the original
     * from its topic, partition and offset.
     */
    public static final String TRUNCATED = "streamfit.error.truncated";

    /**
     * Largest dead-letter record sent whole: the brokers' default {@code message.max.bytes}. A
     * larger rejected record is dead-lettered without its value (headers say why and where it is),
     * so an oversized bad record can never fail the snapshot transaction.
     */
    static final int MAX_DEAD_LETTER_BYTES = 1_000_000;

    /**
     * The dead-letter record of {@code r}: its key, value and headers (unless, with
     * {@code overhead} bytes of framing, it would exceed {@link #MAX_DEAD_LETTER_BYTES}), and
     * these headers saying why and where it came from.
     */
    static ProducerRecord<byte[], byte[]> record(String topic, String modelId, ConsumerRecord<byte[], byte[]> r,
            RejectedRecordException e, int overhead) {
        int size = (r.value() == null ? 0 : r.value().length) + (r.key() == null ? 0 : r.key().length);
        boolean whole = size + overhead <= MAX_DEAD_LETTER_BYTES;
        ProducerRecord<byte[], byte[]> dlq = new ProducerRecord<>(topic, null, whole ? r.key() : null, whole ? r.value() : null);
        Headers h = dlq.headers();
        if (whole) {
            r.headers().forEach(h::add);
        } else {
            h.add(TRUNCATED, bytes(Integer.toString(size)));
        }
        h.add(REASON, bytes(e.reason().label()));
        h.add(MESSAGE, bytes(e.getMessage()));
        h.add(TOPIC, bytes(r.topic()));
        h.add(PARTITION, bytes(Integer.toString(r.partition())));
        h.add(OFFSET, bytes(Long.toString(r.offset())));
        h.add(MODEL, bytes(modelId));
        return dlq;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
