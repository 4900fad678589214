package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.hyper.HyperParameter;
import io.streamfit.optim.OptimizerKind;
import io.streamfit.optim.Optimizers;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code optimizer} of a spec: one of {@link Optimizers#ALL}, with the hyper-parameters its
 * {@link OptimizerKind} declares (PyTorch's names and defaults; {@code sgd}'s lr default is
 * PyTorch 2.x's 1e-3), each checked against its bounds and then the kind's rules. Stricter than
 * PyTorch in one place: {@code eps} must be above 0. Nothing here is specific to one optimizer:
 * adding one is its class in {@code optim} and a line in {@link Optimizers}.
 *
 * <p>AMSGrad is not a separate type, as in PyTorch: it is {@code adam} or {@code adamw} with
 * {@code amsgrad: true}.
 */
final class OptimizerSpecs {
    private OptimizerSpecs() {}

    static ModelSpec.OptimizerSpec parse(SpecReader r, JsonNode o) {
        if (o == null) {
            return null;
        }
        String type = r.choice(o, "type", "optimizer", null, new LinkedHashSet<>(Optimizers.names()));
        if (type == null) {
            return null;
        }
        OptimizerKind kind = Optimizers.named(type);
        Set<String> names = kind.params().stream().map(HyperParameter::name).collect(Collectors.toSet());
        names.add("type");
        r.rejectUnknown(o, "optimizer", names);
        Map<String, Object> h = new LinkedHashMap<>();
        String p = "optimizer";
        for (HyperParameter param : kind.params()) {
            Object value = switch (param.kind()) {
                case FLAG -> r.bool(o, param.name(), p, false);
                case PAIR -> pair(r, o, p, param);
                case NUMBER -> r.number(o, param.name(), p, (Double) param.defaultValue(), param.min(), param.minExclusive(),
                        param.max(), param.maxExclusive());
            };
            h.put(param.name(), value);
        }
        Object lr = h.remove("lr");
        ModelSpec.OptimizerSpec spec = new ModelSpec.OptimizerSpec(type, lr instanceof Double d ? d : 0, h);
        if (complete(spec, kind)) {
            for (OptimizerKind.Rule rule : kind.rules()) {
                if (!rule.holds().test(spec)) {
                    r.error(p + "." + rule.param(), rule.message());
                }
            }
        }
        return spec;
    }

    /** Every hyper-parameter has a value of its kind (an invalid one was reported and left null): the rules can run. */
    private static boolean complete(ModelSpec.OptimizerSpec spec, OptimizerKind kind) {
        for (HyperParameter param : kind.params()) {
            if (!param.name().equals("lr") && spec.hyper().get(param.name()) == null) {
                return false;
            }
        }
        return true;
    }

    private static double[] pair(SpecReader r, JsonNode o, String p, HyperParameter param) {
        double[] dflt = (double[]) param.defaultValue();
        JsonNode b = o.get(param.name());
        if (b == null || b.isNull()) {
            return dflt.clone();
        }
        if (!b.isArray() || b.size() != 2 || !b.get(0).isNumber() || !b.get(1).isNumber()) {
            r.error(p + "." + param.name(), "must be a pair of numbers like " + param.defaultText() + ", got " + b);
            return dflt.clone();
        }
        double[] v = {b.get(0).asDouble(), b.get(1).asDouble()};
        r.checkNumber(p + "." + param.name() + "[0]", v[0], param.min(), param.minExclusive(), param.max(), param.maxExclusive());
        r.checkNumber(p + "." + param.name() + "[1]", v[1], param.min(), param.minExclusive(), param.max(), param.maxExclusive());
        return v;
    }

    /** Number of per-parameter state buffers the optimizer keeps (for snapshot size estimates). */
    static int stateBuffers(ModelSpec.OptimizerSpec o) {
        return Optimizers.named(o.type()).stateNames().apply(o).size();
    }
}
