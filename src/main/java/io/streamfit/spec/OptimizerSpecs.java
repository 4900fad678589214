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
            h.put(param.name(), r.hyper(o, p, param, h, 0));
        }
        Object lr = h.remove("lr");
        ModelSpec.OptimizerSpec spec = new ModelSpec.OptimizerSpec(type, lr instanceof Double d ? d : 0, h);
        r.checkRules(p, kind.rules(), spec);
        return spec;
    }

    /** Number of per-parameter state buffers the optimizer keeps (for snapshot size estimates). */
    static int stateBuffers(ModelSpec.OptimizerSpec o) {
        return Optimizers.named(o.type()).stateNames().apply(o).size();
    }
}
