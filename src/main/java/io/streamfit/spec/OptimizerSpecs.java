package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The optimizers a spec may name, with {@code torch.optim}'s hyper-parameter names, defaults and
 * validity checks (PyTorch 2.x defaults; {@code sgd}'s lr default is PyTorch 2.x's 1e-3). Stricter than
 * PyTorch in one place: {@code eps} must be above 0.
 * Adding an optimizer means adding its row here and its class in {@code optim}.
 *
 * <p>AMSGrad is not a separate type, as in PyTorch: it is {@code adam} or {@code adamw} with
 * {@code amsgrad: true}.
 */
final class OptimizerSpecs {
    private OptimizerSpecs() {}

    /** One hyper-parameter: a number in a range, a flag, or Adam's {@code betas} pair. */
    private record Param(String name, Object dflt, double min, boolean minExclusive, double max, boolean maxExclusive) {
        static Param number(String name, double dflt, double min, boolean minExclusive, double max, boolean maxExclusive) {
            return new Param(name, dflt, min, minExclusive, max, maxExclusive);
        }

        static Param flag(String name) {
            return new Param(name, Boolean.FALSE, 0, false, 0, false);
        }

        static Param betas() {
            return new Param("betas", new double[] {0.9, 0.999}, 0, false, 1, true);
        }
    }

    private static final double HUGE = 1e6;

    private static Param lr(double dflt) {
        return Param.number("lr", dflt, 0, false, HUGE, false);
    }

    /**
     * Strictly positive, unlike PyTorch's check: with {@code eps = 0} a parameter whose gradient
     * is exactly zero (a dead unit, an always-zero feature) divides 0 by 0 and turns NaN.
     */
    private static Param eps(double dflt) {
        return Param.number("eps", dflt, 0, true, 1, false);
    }

    private static final Param WEIGHT_DECAY = Param.number("weight_decay", 0.0, 0, false, HUGE, false);

    private static final Map<String, List<Param>> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put("sgd", List.of(lr(1e-3), Param.number("momentum", 0, 0, false, 1, true),
                Param.number("dampening", 0, 0, false, 1, false), WEIGHT_DECAY, Param.flag("nesterov")));
        KNOWN.put("adagrad", List.of(lr(1e-2), Param.number("lr_decay", 0, 0, false, HUGE, false), WEIGHT_DECAY,
                Param.number("initial_accumulator_value", 0, 0, false, HUGE, false), eps(1e-10)));
        KNOWN.put("rmsprop", List.of(lr(1e-2), Param.number("alpha", 0.99, 0, false, 1, true), eps(1e-8), WEIGHT_DECAY,
                Param.number("momentum", 0, 0, false, 1, true), Param.flag("centered")));
        KNOWN.put("adadelta", List.of(lr(1.0), Param.number("rho", 0.9, 0, false, 1, false), eps(1e-6), WEIGHT_DECAY));
        KNOWN.put("adam", List.of(lr(1e-3), Param.betas(), eps(1e-8), WEIGHT_DECAY, Param.flag("amsgrad")));
        KNOWN.put("adamw", List.of(lr(1e-3), Param.betas(), eps(1e-8),
                Param.number("weight_decay", 1e-2, 0, false, HUGE, false), Param.flag("amsgrad")));
        KNOWN.put("nadam", List.of(lr(2e-3), Param.betas(), eps(1e-8), WEIGHT_DECAY,
                Param.number("momentum_decay", 4e-3, 0, false, HUGE, false), Param.flag("decoupled_weight_decay")));
        KNOWN.put("adamax", List.of(lr(2e-3), Param.betas(), eps(1e-8), WEIGHT_DECAY));
    }

    static ModelSpec.OptimizerSpec parse(SpecReader r, JsonNode o) {
        if (o == null) {
            return null;
        }
        String type = r.choice(o, "type", "optimizer", null, KNOWN.keySet());
        if (type == null) {
            return null;
        }
        List<Param> params = KNOWN.get(type);
        Set<String> names = params.stream().map(Param::name).collect(Collectors.toSet());
        names.add("type");
        r.rejectUnknown(o, "optimizer", names);
        Map<String, Object> h = new LinkedHashMap<>();
        String p = "optimizer";
        for (Param param : params) {
            Object value;
            if (param.dflt() instanceof Boolean) {
                value = r.bool(o, param.name(), p, false);
            } else if (param.dflt() instanceof double[] pair) {
                value = betas(r, o, p, pair);
            } else {
                value = r.number(o, param.name(), p, (Double) param.dflt(), param.min(), param.minExclusive(),
                        param.max(), param.maxExclusive());
            }
            h.put(param.name(), value);
        }
        if (type.equals("sgd") && Boolean.TRUE.equals(h.get("nesterov"))
                && (num(h, "momentum") <= 0 || num(h, "dampening") != 0)) {
            r.error("optimizer.nesterov", "requires momentum > 0 and dampening = 0 (as in torch.optim.SGD)");
        }
        Object lr = h.remove("lr");
        return new ModelSpec.OptimizerSpec(type, lr instanceof Double d ? d : 0, h);
    }

    private static double num(Map<String, Object> h, String name) {
        return h.get(name) instanceof Double d ? d : 0;
    }

    private static double[] betas(SpecReader r, JsonNode o, String p, double[] dflt) {
        JsonNode b = o.get("betas");
        if (b == null || b.isNull()) {
            return dflt.clone();
        }
        if (!b.isArray() || b.size() != 2 || !b.get(0).isNumber() || !b.get(1).isNumber()) {
            r.error(p + ".betas", "must be a pair of numbers like [0.9, 0.999], got " + b);
            return dflt.clone();
        }
        double[] v = {b.get(0).asDouble(), b.get(1).asDouble()};
        r.checkNumber(p + ".betas[0]", v[0], 0, false, 1, true);
        r.checkNumber(p + ".betas[1]", v[1], 0, false, 1, true);
        return v;
    }

    /** Number of per-parameter state buffers the optimizer keeps (for snapshot size estimates). */
    static int stateBuffers(ModelSpec.OptimizerSpec o) {
        return switch (o.type()) {
            case "sgd" -> o.number("momentum") != 0 ? 1 : 0;
            case "adagrad" -> 1;
            case "rmsprop" -> 1 + (o.number("momentum") > 0 ? 1 : 0) + (o.flag("centered") ? 1 : 0);
            case "adam", "adamw" -> o.flag("amsgrad") ? 3 : 2;
            default -> 2;
        };
    }

    static Set<String> types() {
        return new TreeSet<>(KNOWN.keySet());
    }
}
