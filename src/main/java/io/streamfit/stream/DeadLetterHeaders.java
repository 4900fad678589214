package io.streamfit.stream;

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
}
