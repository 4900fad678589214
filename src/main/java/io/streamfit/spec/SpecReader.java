package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads typed fields out of a JSON tree while collecting every problem with its path
 * ({@code layers[2].units must be > 0, got -3}), so one rejection lists all of them.
 */
final class SpecReader {
    private final List<String> errors = new ArrayList<>();

    List<String> errors() {
        return errors;
    }

    void error(String path, String message) {
        errors.add(path + " " + message);
    }

    static String child(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** Reports fields of {@code node} not in {@code known}: a typo must not silently become a default. */
    void rejectUnknown(JsonNode node, String path, Set<String> known) {
        if (node == null || !node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (!known.contains(name)) {
                error(child(path, JsonReadErrors.excerpt(name, 40)),
                        "is not a known field (known: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }

    JsonNode object(JsonNode parent, String name, String path, boolean required) {
        JsonNode n = parent == null ? null : parent.get(name);
        String p = child(path, name);
        if (n == null || n.isNull()) {
            if (required) {
                error(p, "is required");
            }
            return null;
        }
        if (!n.isObject()) {
            error(p, "must be an object, got " + describe(n));
            return null;
        }
        return n;
    }

    String string(JsonNode parent, String name, String path, String dflt, String pattern, String patternWords) {
        JsonNode n = parent == null ? null : parent.get(name);
        String p = child(path, name);
        if (n == null || n.isNull()) {
            if (dflt == null) {
                error(p, "is required");
            }
            return dflt;
        }
        if (!n.isTextual()) {
            error(p, "must be a string, got " + describe(n));
            return dflt;
        }
        String s = n.asText();
        if (pattern != null && !s.matches(pattern)) {
            error(p, "must be " + patternWords + ", got " + describe(n));
        }
        return s;
    }

    String choice(JsonNode parent, String name, String path, String dflt, Set<String> allowed) {
        String s = string(parent, name, path, dflt, null, null);
        if (s != null && !allowed.contains(s)) {
            error(child(path, name),
                    "must be one of " + new TreeSet<>(allowed) + ", got \"" + JsonReadErrors.excerpt(s, 40) + "\"");
            return null;
        }
        return s;
    }

    /** An integer in [min, max]; {@code dflt == null} makes it required. */
    Long integer(JsonNode parent, String name, String path, Long dflt, long min, long max) {
        JsonNode n = parent == null ? null : parent.get(name);
        String p = child(path, name);
        if (n == null || n.isNull()) {
            if (dflt == null) {
                error(p, "is required");
                return 0L; // placeholder: the error list is non-empty, so it is never used
            }
            return dflt;
        }
        if (!n.isIntegralNumber()) {
            error(p, "must be an integer, got " + describe(n));
            return dflt == null ? 0L : dflt;
        }
        if (!n.canConvertToLong()) { // beyond a long: out of range, never truncated
            boolean negative = n.bigIntegerValue().signum() < 0;
            error(p, negative ? "must be >= " + min + ", got " + describe(n) : "must be <= " + max + ", got " + describe(n));
            return dflt == null ? 0L : dflt;
        }
        long v = n.asLong();
        if (v < min) {
            error(p, "must be " + (min == 1 ? "> 0" : ">= " + min) + ", got " + v);
        } else if (v > max) {
            error(p, "must be <= " + max + ", got " + v);
        }
        return v;
    }

    /** A finite number with bounds; {@code minExclusive} makes the lower bound strict. */
    Double number(JsonNode parent, String name, String path, Double dflt, double min, boolean minExclusive, double max,
            boolean maxExclusive) {
        JsonNode n = parent == null ? null : parent.get(name);
        String p = child(path, name);
        if (n == null || n.isNull()) {
            if (dflt == null) {
                error(p, "is required");
                return 0.0; // placeholder: the error list is non-empty, so it is never used
            }
            return dflt;
        }
        if (!n.isNumber()) {
            error(p, "must be a number, got " + describe(n));
            return dflt == null ? 0.0 : dflt;
        }
        return checkNumber(p, n.asDouble(), min, minExclusive, max, maxExclusive);
    }

    Double checkNumber(String p, double v, double min, boolean minExclusive, double max, boolean maxExclusive) {
        if (!Double.isFinite(v)) {
            error(p, "must be finite, got " + v);
        } else if (minExclusive ? v <= min : v < min) {
            error(p, "must be " + (minExclusive ? "> " : ">= ") + fmt(min) + ", got " + fmt(v));
        } else if (maxExclusive ? v >= max : v > max) {
            error(p, "must be " + (maxExclusive ? "< " : "<= ") + fmt(max) + ", got " + fmt(v));
        }
        return v;
    }

    Boolean bool(JsonNode parent, String name, String path, boolean dflt) {
        JsonNode n = parent == null ? null : parent.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            error(child(path, name), "must be true or false, got " + describe(n));
            return dflt;
        }
        return n.asBoolean();
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    /** The value for an error message: short values whole, long ones as an excerpt. */
    static String describe(JsonNode n) {
        if (n.isTextual()) {
            return "\"" + JsonReadErrors.excerpt(n.asText(), 64) + "\"";
        }
        if (n.isObject()) {
            return "an object";
        }
        if (n.isArray()) {
            return "an array";
        }
        return JsonReadErrors.excerpt(n.toString(), 64);
    }
}
