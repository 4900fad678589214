package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.hyper.HyperParameter;
import io.streamfit.schedule.ScheduleKind;
import io.streamfit.schedule.Schedules;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code schedule} of a spec: one of {@link Schedules#ALL}, with the parameters its
 * {@link ScheduleKind} declares ({@code torch.optim.lr_scheduler}'s names and defaults where
 * PyTorch has the schedule, TensorFlow's where it has not), each checked against its bounds and
 * then the kind's rules, plus the two modifiers that compose with any of them: {@code warmup} and
 * {@code linear_scaling}. Nothing here is specific to one schedule.
 */
final class ScheduleSpecs {
    private ScheduleSpecs() {}

    private static final String P = "schedule";
    private static final long FOREVER = Long.MAX_VALUE / 4;
    private static final Set<String> MODIFIERS = Set.of("type", "warmup", "linear_scaling");
    private static final String CYCLE_MOMENTUM = "cycle_momentum";

    static ModelSpec.ScheduleSpec parse(SpecReader r, JsonNode s, ModelSpec.OptimizerSpec optimizer) {
        double lr = optimizer == null ? 0 : optimizer.lr();
        if (s == null) {
            return new ModelSpec.ScheduleSpec("constant", Map.of(), null, 0);
        }
        String type = r.choice(s, "type", P, "constant", new HashSet<>(Schedules.names()));
        if (type == null) {
            return new ModelSpec.ScheduleSpec("constant", Map.of(), null, 0);
        }
        ScheduleKind kind = Schedules.named(type);
        Map<String, Object> h = new LinkedHashMap<>();
        for (HyperParameter param : kind.params()) {
            h.put(param.name(), r.hyper(s, P, param, h, lr));
        }
        r.checkRules(P, kind.rules(), new ModelSpec.ScheduleSpec(type, h, null, 0));
        if (h.containsKey(CYCLE_MOMENTUM)) {
            cycleMomentum(r, s, h, optimizer);
        }
        Set<String> known = new HashSet<>(MODIFIERS);
        known.addAll(h.keySet());
        r.rejectUnknown(s, P, known);
        return new ModelSpec.ScheduleSpec(type, h, warmup(r, r.object(s, "warmup", P, false)),
                referenceBatchSize(r, r.object(s, "linear_scaling", P, false)));
    }

    /**
     * {@code cycle_momentum}, PyTorch's default true, needs a momentum to cycle: SGD's or
     * RMSprop's {@code momentum} (when above 0: the state then has a momentum buffer), or the
     * first of Adam's, AdamW's or Adamax's {@code betas}. Left out, it is off for any other
     * optimizer; asked for, it is refused with the reason.
     */
    private static void cycleMomentum(SpecReader r, JsonNode s, Map<String, Object> h, ModelSpec.OptimizerSpec optimizer) {
        if (optimizer == null || Boolean.FALSE.equals(h.get(CYCLE_MOMENTUM))) {
            return;
        }
        String why = switch (optimizer.type()) {
            case "adam", "adamw", "adamax" -> null;
            case "sgd", "rmsprop" -> optimizer.number("momentum") > 0 ? null
                    : optimizer.type() + " has momentum 0 (PyTorch would switch momentum on: set optimizer.momentum, e.g. 0.9)";
            case "nadam" -> "nadam's momentum schedule multiplies up every past beta1, which would not restore exactly";
            default -> optimizer.type() + " has no momentum";
        };
        if (why == null) {
            return;
        }
        if (s.has(CYCLE_MOMENTUM)) {
            r.error(P + "." + CYCLE_MOMENTUM, "cannot be true: " + why);
        } else {
            h.put(CYCLE_MOMENTUM, false);
        }
    }

    private static ModelSpec.WarmupSpec warmup(SpecReader r, JsonNode w) {
        if (w == null) {
            return null;
        }
        String p = P + ".warmup";
        r.rejectUnknown(w, p, Set.of("steps", "mode", "start_factor"));
        long steps = r.integer(w, "steps", p, null, 1, FOREVER);
        String mode = r.choice(w, "mode", p, "linear", Set.of("linear", "exponential"));
        // LinearLR's default start_factor is 1/3 (it must be > 0, as in LinearLR); a geometric ramp
        // starts lower by default.
        double dflt = "exponential".equals(mode) ? 0.01 : 1.0 / 3;
        double start = r.number(w, "start_factor", p, dflt, 0, true, 1, false);
        return new ModelSpec.WarmupSpec(steps, "exponential".equals(mode), start);
    }

    private static int referenceBatchSize(SpecReader r, JsonNode l) {
        if (l == null) {
            return 0;
        }
        String p = P + ".linear_scaling";
        r.rejectUnknown(l, p, Set.of("reference_batch_size"));
        return r.integer(l, "reference_batch_size", p, null, 1, 65_536).intValue();
    }
}
