package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The optimizers a spec may name, with PyTorch's hyper-parameter names and defaults. Adding an
 * optimizer means adding its entry here and its class in {@code optim}.
 */
final class OptimizerSpecs {
    private OptimizerSpecs() {}

    private static final Map<String, Set<String>> KNOWN = Map.of(
            "sgd", Set.of("type", "lr", "momentum", "dampening", "weight_decay", "nesterov"),
            "adam", Set.of("type", "lr", "betas", "eps", "weight_decay", "amsgrad"));

    static ModelSpec.OptimizerSpec parse(SpecReader r, JsonNode o) {
        if (o == null) {
            return null;
        }
        String type = r.choice(o, "type", "optimizer", null, KNOWN.keySet());
        if (type == null) {
            return null;
        }
        r.rejectUnknown(o, "optimizer", KNOWN.get(type));
        Map<String, Object> h = new LinkedHashMap<>();
        String p = "optimizer";
        double lr;
        switch (type) {
            case "sgd" -> {
                lr = r.number(o, "lr", p, 0.01, 0, true, 1e3, false);
                double momentum = r.number(o, "momentum", p, 0.0, 0, false, 1, true);
                double dampening = r.number(o, "dampening", p, 0.0, 0, false, 1, false);
                h.put("momentum", momentum);
                h.put("dampening", dampening);
                h.put("weight_decay", r.number(o, "weight_decay", p, 0.0, 0, false, 1e3, false));
                boolean nesterov = r.bool(o, "nesterov", p, false);
                h.put("nesterov", nesterov);
                if (nesterov && (momentum <= 0 || dampening != 0)) {
                    r.error("optimizer.nesterov", "requires momentum > 0 and dampening = 0 (as in torch.optim.SGD)");
                }
            }
            case "adam" -> {
                lr = r.number(o, "lr", p, 1e-3, 0, true, 1e3, false);
                h.put("betas", betas(r, o, p));
                h.put("eps", r.number(o, "eps", p, 1e-8, 0, true, 1, false));
                h.put("weight_decay", r.number(o, "weight_decay", p, 0.0, 0, false, 1e3, false));
                h.put("amsgrad", r.bool(o, "amsgrad", p, false));
            }
            default -> throw new IllegalStateException(type);
        }
        return new ModelSpec.OptimizerSpec(type, lr, h);
    }

    private static double[] betas(SpecReader r, JsonNode o, String p) {
        JsonNode b = o.get("betas");
        double[] dflt = {0.9, 0.999};
        if (b == null || b.isNull()) {
            return dflt;
        }
        if (!b.isArray() || b.size() != 2 || !b.get(0).isNumber() || !b.get(1).isNumber()) {
            r.error(p + ".betas", "must be a pair of numbers like [0.9, 0.999], got " + b);
            return dflt;
        }
        double[] v = {b.get(0).asDouble(), b.get(1).asDouble()};
        r.checkNumber(p + ".betas[0]", v[0], 0, false, 1, true);
        r.checkNumber(p + ".betas[1]", v[1], 0, false, 1, true);
        return v;
    }

    static Set<String> types() {
        return new TreeSet<>(KNOWN.keySet());
    }
}
