package io.streamfit.stream;

/** The model was given up while recovering: it stops without touching Kafka again, and publishes nothing. */
final class AbandonedException extends RuntimeException {
    AbandonedException() {
        super("abandoned: another instance owns the model", null, false, false);
    }
}
