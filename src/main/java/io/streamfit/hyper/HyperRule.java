package io.streamfit.hyper;

import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A constraint between hyper-parameters, checked once each is within its own bounds: when it does
 * not {@code hold}, the spec is refused at {@code param} with {@code message} (which may quote the
 * values).
 */
public record HyperRule(String param, Predicate<HyperValues> holds, Function<HyperValues, String> message) {
    /** A rule whose message does not depend on the values. */
    public static HyperRule of(String param, Predicate<HyperValues> holds, String message) {
        return new HyperRule(param, holds, h -> message);
    }
}
