package io.streamfit.stream;

/** An error no retry can fix (a snapshot over the topic's limit, authorization, ...): the model stops with it. */
final class FatalModelException extends RuntimeException {
    FatalModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
