package io.streamfit.data;

import java.util.Locale;

/** A record that cannot be trained on; {@link #reason()} is a short metric/header label. */
public final class RejectedRecordException extends Exception {
    /** Why a record was rejected; the label used in metrics and dead-letter headers. */
    public enum Reason {
        DECODE_ERROR, WRONG_WIDTH, NON_FINITE, BAD_LABEL, TOO_LARGE, EMPTY;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public RejectedRecordException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
