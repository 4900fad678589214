package io.streamfit.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.service.LandscapeJobs;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Validation of {@code POST /models/{id}/landscape} bodies: every member optional, each refused
 * with its name and the reason; unknown members are refused too (a misspelt {@code point} would
 * otherwise silently compute the default).
 */
final class LandscapeRequests {
    /** Bound on the body: a few numbers. */
    static final long MAX_BYTES = 4_096;
    private static final Set<String> MEMBERS = Set.of("directions", "points", "span", "rows", "sharpness", "iterations", "seed");

    private LandscapeRequests() {}

    /** A refused body, with one message per member. */
    static final class Invalid extends IllegalArgumentException {
        final List<String> errors;

        Invalid(List<String> errors) {
            super(String.join("; ", errors));
            this.errors = List.copyOf(errors);
        }
    }

    /** The request {@code body} asks for; {@code body} null or empty: every default. @throws Invalid naming each bad member */
    static LandscapeJobs.Request parse(JsonNode body) {
        LandscapeJobs.Request d = LandscapeJobs.Request.DEFAULTS;
        if (body == null || body.isNull() || body.isMissingNode()) {
            return d;
        }
        if (!body.isObject()) {
            throw new Invalid(List.of("the body must be a JSON object, e.g. {\"directions\": 2, \"points\": 21}"));
        }
        List<String> errors = new ArrayList<>();
        for (Iterator<String> it = body.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (!MEMBERS.contains(name)) {
                errors.add(Problem.excerpt(name) + " is not a member: the members are " + String.join(", ", MEMBERS.stream()
                        .sorted().toList()));
            }
        }
        int directions = integer(body, "directions", d.directions(), 1, 2, errors);
        int points = integer(body, "points", d.points(), 3, LandscapeJobs.MAX_POINTS, errors);
        if (points % 2 == 0) {
            errors.add("points must be odd, so that the current parameters are a grid point, got " + points);
        }
        double span = number(body, "span", d.span(), errors);
        if (!(span > 0 && span <= 10)) {
            errors.add("span must be > 0 and ≤ 10 (a multiple of the filter-normalized direction), got " + span);
        }
        int rows = integer(body, "rows", d.rows(), 1, LandscapeJobs.MAX_ROWS, errors);
        int iterations = integer(body, "iterations", d.iterations(), 2, LandscapeJobs.MAX_ITERATIONS, errors);
        boolean sharpness = d.sharpness();
        JsonNode s = body.get("sharpness");
        if (s != null && !s.isBoolean()) {
            errors.add("sharpness must be true or false, got " + Problem.excerpt(s.toString()));
        } else if (s != null) {
            sharpness = s.booleanValue();
        }
        long seed = d.seed();
        JsonNode sd = body.get("seed");
        if (sd != null && !(sd.isIntegralNumber() && sd.canConvertToLong())) {
            errors.add("seed must be a whole number, got " + Problem.excerpt(sd.toString()));
        } else if (sd != null) {
            seed = sd.longValue();
        }
        if (!errors.isEmpty()) {
            throw new Invalid(errors);
        }
        return new LandscapeJobs.Request(directions, points, span, rows, sharpness, iterations, seed);
    }

    private static int integer(JsonNode body, String name, int fallback, int min, int max, List<String> errors) {
        JsonNode v = body.get(name);
        if (v == null) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < min || v.intValue() > max) {
            errors.add(name + " must be a whole number from " + min + " to " + max + ", got " + Problem.excerpt(v.toString()));
            return fallback;
        }
        return v.intValue();
    }

    private static double number(JsonNode body, String name, double fallback, List<String> errors) {
        JsonNode v = body.get(name);
        if (v == null) {
            return fallback;
        }
        if (!v.isNumber()) {
            errors.add(name + " must be a number, got " + Problem.excerpt(v.toString()));
            return fallback;
        }
        return v.doubleValue();
    }
}
