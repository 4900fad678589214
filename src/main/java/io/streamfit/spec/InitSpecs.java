package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parameter initializers a layer may name ({@code weight_init}, {@code bias_init}), with
 * {@code torch.nn.init}'s function names (without the trailing underscore) and argument names.
 * A bare string is shorthand for {@code {type: <string>}}.
 */
final class InitSpecs {
    private InitSpecs() {}

    static final Set<String> TYPES = new TreeSet<>(Set.of("zeros", "ones", "constant", "normal", "uniform",
            "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "lecun_normal", "orthogonal"));
    /** Those that need fan_in/fan_out, so a 2-D tensor. */
    static final Set<String> NEED_FANS = Set.of("xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
            "lecun_normal", "orthogonal");
    static final Set<String> NONLINEARITIES = Set.of("linear", "identity", "sigmoid", "tanh", "relu", "leaky_relu", "selu");
    private static final double HUGE = 1e6;

    /**
     * @param twoDimensional whether the tensor is a matrix (dense weight) rather than a vector
     */
    static ModelSpec.InitSpec parse(SpecReader r, JsonNode n, String path, boolean twoDimensional) {
        if (n == null || n.isNull()) {
            return null;
        }
        JsonNode o = n;
        if (n.isTextual()) {
            o = JsonNodeFactory.instance.objectNode().put("type", n.asText());
        } else if (!n.isObject()) {
            r.error(path, "must be an initializer name like xavier_uniform or an object like {type: normal, std: 0.01}, got "
                    + SpecReader.describe(n));
            return null;
        }
        String type = r.choice(o, "type", path, null, TYPES);
        if (type == null) {
            return null;
        }
        Map<String, Object> h = new LinkedHashMap<>();
        switch (type) {
            case "zeros", "ones", "lecun_normal" -> {
            }
            case "constant" -> h.put("val", r.number(o, "val", path, null, -HUGE, false, HUGE, false));
            case "normal" -> {
                h.put("mean", r.number(o, "mean", path, 0.0, -HUGE, false, HUGE, false));
                h.put("std", r.number(o, "std", path, 1.0, 0, false, HUGE, false));
            }
            case "uniform" -> {
                double a = r.number(o, "a", path, 0.0, -HUGE, false, HUGE, false);
                double b = r.number(o, "b", path, 1.0, -HUGE, false, HUGE, false);
                if (a > b) {
                    r.error(path + ".b", "must be >= a (" + SpecReader.fmt(a) + "), got " + SpecReader.fmt(b));
                }
                h.put("a", a);
                h.put("b", b);
            }
            case "xavier_uniform", "xavier_normal", "orthogonal" ->
                h.put("gain", r.number(o, "gain", path, 1.0, 0, true, HUGE, false));
            case "kaiming_uniform", "kaiming_normal" -> {
                // torch.nn.init's defaults: a=0, mode='fan_in', nonlinearity='leaky_relu' (gain sqrt(2)).
                h.put("a", r.number(o, "a", path, 0.0, 0, false, HUGE, false));
                h.put("mode", r.choice(o, "mode", path, "fan_in", Set.of("fan_in", "fan_out")));
                h.put("nonlinearity", r.choice(o, "nonlinearity", path, "leaky_relu", NONLINEARITIES));
            }
            default -> throw new IllegalStateException(type);
        }
        Set<String> known = new HashSet<>(h.keySet());
        known.add("type");
        r.rejectUnknown(o, path, known);
        if (NEED_FANS.contains(type) && !twoDimensional) {
            r.error(path, type + " needs a weight matrix (it uses fan_in/fan_out); a vector takes zeros, ones, "
                    + "constant, normal or uniform");
        }
        return new ModelSpec.InitSpec(type, h);
    }
}
