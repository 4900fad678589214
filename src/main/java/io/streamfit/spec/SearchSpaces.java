package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamfit.search.Space;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The search spaces of a spec: any field written as {@code {choice: [...]}},
 * {@code {uniform: [lo, hi]}}, {@code {log_uniform: [lo, hi]}} or {@code {int_uniform: [lo, hi]}}
 * instead of a value. {@link #extract} finds them by path ({@code optimizer.lr},
 * {@code layers[0].units}); {@link #with} writes a trial's values in; {@link #check} parses the
 * spec with each space at each of its ends (every choice, both bounds), so a space the field
 * cannot take (a negative learning rate, a width of 0) is refused with the field's path like
 * every other spec error, before any trial runs.
 */
public final class SearchSpaces {
    static final Set<String> KINDS = Set.of("choice", "uniform", "log_uniform", "int_uniform");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private SearchSpaces() {}

    /** The spaces of {@code root} by path, in document order. @throws SpecException naming each malformed space */
    public static Map<String, Space> extract(JsonNode root) {
        Map<String, Space> spaces = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        walk(root, "", spaces, errors);
        if (!errors.isEmpty()) {
            throw new SpecException(errors);
        }
        return spaces;
    }

    private static void walk(JsonNode node, String path, Map<String, Space> spaces, List<String> errors) {
        if (isSpace(node)) {
            String kind = node.fieldNames().next();
            try {
                spaces.put(path, space(kind, node.get(kind)));
            } catch (IllegalArgumentException e) {
                errors.add(path + ": " + e.getMessage());
            }
            return;
        }
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                walk(f.getValue(), SpecReader.child(path, f.getKey()), spaces, errors);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "[" + i + "]", spaces, errors);
            }
        }
    }

    private static boolean isSpace(JsonNode node) {
        return node.isObject() && node.size() == 1 && KINDS.contains(node.fieldNames().next());
    }

    private static Space space(String kind, JsonNode args) {
        if (!args.isArray() || args.isEmpty()) {
            throw new IllegalArgumentException(kind + " needs a list, got " + args);
        }
        if (kind.equals("choice")) {
            List<Object> values = new ArrayList<>();
            for (JsonNode v : args) {
                if (!v.isValueNode() || v.isNull()) {
                    throw new IllegalArgumentException("choice takes numbers, names or flags, got " + v);
                }
                values.add(v.isIntegralNumber() ? (Object) v.longValue()
                        : v.isNumber() ? (Object) v.doubleValue()
                                : v.isBoolean() ? (Object) v.booleanValue() : v.textValue());
            }
            if (new LinkedHashSet<>(values).size() != values.size()) {
                throw new IllegalArgumentException("choice lists a value twice: " + args);
            }
            return new Space.Choice(values);
        }
        if (args.size() != 2 || !args.get(0).isNumber() || !args.get(1).isNumber()) {
            throw new IllegalArgumentException(kind + " needs two numbers [lo, hi], got " + args);
        }
        return switch (kind) {
            case "uniform" -> new Space.Uniform(args.get(0).doubleValue(), args.get(1).doubleValue());
            case "log_uniform" -> new Space.LogUniform(args.get(0).doubleValue(), args.get(1).doubleValue());
            default -> {
                if (!args.get(0).isIntegralNumber() || !args.get(1).isIntegralNumber()) {
                    throw new IllegalArgumentException("int_uniform needs two whole numbers [lo, hi], got " + args);
                }
                yield new Space.IntUniform(args.get(0).longValue(), args.get(1).longValue());
            }
        };
    }

    /** A copy of {@code root} with each path's space replaced by its value in {@code values}. */
    public static JsonNode with(JsonNode root, Map<String, Object> values) {
        return replace(root, "", values);
    }

    private static JsonNode replace(JsonNode node, String path, Map<String, Object> values) {
        if (values.containsKey(path)) {
            return value(values.get(path));
        }
        if (node.isObject()) {
            ObjectNode copy = NODES.objectNode();
            node.fields().forEachRemaining(f -> copy.set(f.getKey(), replace(f.getValue(), SpecReader.child(path, f.getKey()),
                    values)));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = NODES.arrayNode();
            for (int i = 0; i < node.size(); i++) {
                copy.add(replace(node.get(i), path + "[" + i + "]", values));
            }
            return copy;
        }
        return node;
    }

    private static JsonNode value(Object v) {
        if (v instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (v instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        return NODES.textNode(String.valueOf(v));
    }

    /**
     * Parses {@code root} with every space at each of its ends, the others in their middle: every
     * error of a value the field cannot take is reported once, after the space's path and value.
     *
     * @throws SpecException naming each space value the spec refuses
     */
    public static void check(JsonNode root) {
        Map<String, Space> spaces = extract(root);
        Map<String, Object> base = new LinkedHashMap<>();
        spaces.forEach((path, s) -> base.put(path, s.grid(1).get(0))); // the middle, or the first choice
        Set<String> errors = new LinkedHashSet<>();
        parseWith(root, base, "", errors);
        spaces.forEach((path, s) -> {
            for (Object end : ends(s)) {
                Map<String, Object> values = new LinkedHashMap<>(base);
                values.put(path, end);
                parseWith(root, values, "search space " + path + " at " + end + ": ", errors);
            }
        });
        if (!errors.isEmpty()) {
            throw new SpecException(List.copyOf(errors));
        }
    }

    private static void parseWith(JsonNode root, Map<String, Object> values, String prefix, Set<String> errors) {
        try {
            SpecParser.parse(with(root, values));
        } catch (SpecException e) {
            e.errors().forEach(err -> {
                if (errors.stream().noneMatch(seen -> seen.endsWith(err))) {
                    errors.add(prefix + err);
                }
            });
        }
    }

    /** The values a space's check tries: every choice, or both bounds. */
    static List<Object> ends(Space s) {
        if (s instanceof Space.Choice c) {
            return c.values();
        }
        if (s instanceof Space.Uniform u) {
            return List.of(u.lo(), u.hi());
        }
        if (s instanceof Space.LogUniform u) {
            return List.of(u.lo(), u.hi());
        }
        Space.IntUniform u = (Space.IntUniform) s;
        return List.of(u.lo(), u.hi());
    }
}
