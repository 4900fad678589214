package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperRule;
import io.streamfit.hyper.HyperValues;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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

    /**
     * The value of {@code p} under {@code parent}, checked and defaulted as it declares;
     * {@code earlier} holds the parameters read before it (for a default taken from one of them)
     * and {@code lr} is the optimizer's learning rate (for a default of {@code "lr"}).
     */
    Object hyper(JsonNode parent, String path, HyperParameter p, Map<String, Object> earlier, double lr) {
        Object dflt = p.defaultFrom() == null ? p.defaultValue()
                : p.defaultFrom().equals("lr") ? (Object) lr : earlier.get(p.defaultFrom());
        return switch (p.kind()) {
            case NUMBER -> number(parent, p.name(), path, (Double) dflt, p.min(), p.minExclusive(), p.max(), p.maxExclusive());
            case COUNT -> integer(parent, p.name(), path, (Long) dflt, (long) p.min(), (long) p.max());
            case FLAG -> bool(parent, p.name(), path, (Boolean) dflt);
            case CHOICE -> choice(parent, p.name(), path, (String) dflt, new HashSet<>(p.choices()));
            case PAIR -> pair(parent, path, p);
            case COUNTS -> increasingCounts(parent, path, p.name());
        };
    }

    private double[] pair(JsonNode parent, String path, HyperParameter param) {
        double[] dflt = (double[]) param.defaultValue();
        JsonNode b = parent.get(param.name());
        String p = child(path, param.name());
        if (b == null || b.isNull()) {
            return dflt.clone();
        }
        if (!b.isArray() || b.size() != 2 || !b.get(0).isNumber() || !b.get(1).isNumber()) {
            error(p, "must be a pair of numbers like " + param.defaultText() + ", got " + b);
            return dflt.clone();
        }
        double[] v = {b.get(0).asDouble(), b.get(1).asDouble()};
        checkNumber(p + "[0]", v[0], param.min(), param.minExclusive(), param.max(), param.maxExclusive());
        checkNumber(p + "[1]", v[1], param.min(), param.minExclusive(), param.max(), param.maxExclusive());
        return v;
    }

    private long[] increasingCounts(JsonNode parent, String path, String name) {
        JsonNode m = parent.get(name);
        String p = child(path, name);
        if (m == null || m.isNull()) {
            error(p, "is required: a non-empty array of increasing step counts like [1000, 5000]");
            return new long[0];
        }
        if (!m.isArray() || m.isEmpty() || m.size() > 10_000) {
            error(p, "must be a non-empty array of increasing step counts like [1000, 5000], got " + describe(m));
            return new long[0];
        }
        long[] out = new long[m.size()];
        for (int i = 0; i < m.size(); i++) {
            JsonNode v = m.get(i);
            if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 1 || (i > 0 && v.asLong() <= out[i - 1])) {
                error(p + "[" + i + "]", "must be an integer >= 1 greater than the one before, got " + v);
                return new long[0];
            }
            out[i] = v.asLong();
        }
        return out;
    }

    /** Checks {@code rules} against {@code values}, reporting each that does not hold at {@code path.param}. */
    void checkRules(String path, List<HyperRule> rules, HyperValues values) {
        for (HyperRule rule : rules) {
            if (!rule.holds().test(values)) {
                error(child(path, rule.param()), rule.message().apply(values));
            }
        }
    }

    static String fmt(double v) {
        return HyperParameter.format(v);
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
