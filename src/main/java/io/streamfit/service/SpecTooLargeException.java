package io.streamfit.service;

import java.util.List;

/**
 * A valid spec whose stored form is too large for where specs are kept (one record of the models
 * topic, or a spec file the service must be able to read back): the client's error (413), not
 * the service's.
 */
public class SpecTooLargeException extends RuntimeException {
    public SpecTooLargeException(String message) {
        super(message);
    }

    public List<String> errors() {
        return List.of(getMessage());
    }
}
