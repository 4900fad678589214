package io.streamfit.spec;

import java.util.List;

/** A model spec was rejected; {@link #errors()} names each bad field and why. */
public final class SpecException extends RuntimeException {
    private final List<String> errors;

    public SpecException(List<String> errors) {
        super(String.join("; ", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
