package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The learning-rate schedules a spec may name, with {@code torch.optim.lr_scheduler}'s argument
 * names and defaults where PyTorch has the schedule (TensorFlow's where it has not), plus the two
 * modifiers that compose with any of them: {@code warmup} and {@code linear_scaling}.
 */
final class ScheduleSpecs {
    private ScheduleSpecs() {}

    private static final String P = "schedule";
    private static final double HUGE = 1e6;
    private static final long FOREVER = Long.MAX_VALUE / 4;
    private static final Set<String> MODIFIERS = Set.of("type", "warmup", "linear_scaling");
    static final Set<String> TYPES = new TreeSet<>(Set.of("constant", "step", "multistep", "exponential", "natural_exp",
            "inverse_time", "polynomial", "cosine", "cyclic", "cosine_warm_restarts", "one_cycle"));

    static ModelSpec.ScheduleSpec parse(SpecReader r, JsonNode s, double lr) {
        if (s == null) {
            return new ModelSpec.ScheduleSpec("constant", Map.of(), null, 0);
        }
        String type = r.choice(s, "type", P, "constant", TYPES);
        if (type == null) {
            return new ModelSpec.ScheduleSpec("constant", Map.of(), null, 0);
        }
        Map<String, Object> h = new LinkedHashMap<>();
        switch (type) {
            case "constant" -> {
            }
            case "step" -> {
                h.put("step_size", r.integer(s, "step_size", P, null, 1, FOREVER));
                h.put("gamma", gamma(r, s, 0.1));
            }
            case "multistep" -> {
                h.put("milestones", milestones(r, s));
                h.put("gamma", gamma(r, s, 0.1));
            }
            case "exponential" -> h.put("gamma", gamma(r, s, null));
            case "natural_exp", "inverse_time" -> {
                h.put("decay_rate", r.number(s, "decay_rate", P, null, 0, false, HUGE, false));
                h.put("decay_steps", r.integer(s, "decay_steps", P, 1L, 1, FOREVER));
                h.put("staircase", r.bool(s, "staircase", P, false));
            }
            case "polynomial" -> {
                h.put("total_iters", r.integer(s, "total_iters", P, 5L, 1, FOREVER));
                h.put("power", r.number(s, "power", P, 1.0, 0, false, HUGE, false));
            }
            case "cosine" -> {
                h.put("T_max", r.integer(s, "T_max", P, null, 1, FOREVER));
                h.put("eta_min", r.number(s, "eta_min", P, 0.0, 0, false, HUGE, false));
            }
            case "cyclic" -> {
                double base = r.number(s, "base_lr", P, lr, 0, false, HUGE, false);
                double max = r.number(s, "max_lr", P, null, 0, true, HUGE, false);
                if (max < base) {
                    r.error(P + ".max_lr", "must be >= base_lr (" + SpecReader.fmt(base) + "), got " + SpecReader.fmt(max));
                }
                h.put("base_lr", base);
                h.put("max_lr", max);
                long up = r.integer(s, "step_size_up", P, 2000L, 1, FOREVER);
                h.put("step_size_up", up);
                h.put("step_size_down", r.integer(s, "step_size_down", P, up, 1, FOREVER));
                h.put("mode", r.choice(s, "mode", P, "triangular", Set.of("triangular", "triangular2", "exp_range")));
                h.put("gamma", r.number(s, "gamma", P, 1.0, 0, true, 1, false));
            }
            case "cosine_warm_restarts" -> {
                h.put("T_0", r.integer(s, "T_0", P, null, 1, FOREVER));
                h.put("T_mult", r.integer(s, "T_mult", P, 1L, 1, 1000));
                h.put("eta_min", r.number(s, "eta_min", P, 0.0, 0, false, HUGE, false));
            }
            case "one_cycle" -> oneCycle(r, s, h);
            default -> throw new IllegalStateException(type);
        }
        Set<String> known = new HashSet<>(MODIFIERS);
        known.addAll(h.keySet());
        r.rejectUnknown(s, P, known);
        return new ModelSpec.ScheduleSpec(type, h, warmup(r, r.object(s, "warmup", P, false)),
                referenceBatchSize(r, r.object(s, "linear_scaling", P, false)));
    }

    /**
     * A decay factor in (0, 1]. PyTorch accepts any gamma, but one above 1 grows the rate
     * geometrically until it overflows, after which every step is skipped for good.
     */
    private static Double gamma(SpecReader r, JsonNode s, Double dflt) {
        return r.number(s, "gamma", P, dflt, 0, true, 1, false);
    }

    private static long[] milestones(SpecReader r, JsonNode s) {
        JsonNode m = s.get("milestones");
        if (m == null || !m.isArray() || m.isEmpty() || m.size() > 10_000) {
            r.error(P + ".milestones", "must be a non-empty array of increasing step counts like [1000, 5000], got "
                    + SpecReader.describe(m));
            return new long[0];
        }
        long[] out = new long[m.size()];
        for (int i = 0; i < m.size(); i++) {
            JsonNode v = m.get(i);
            if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 1 || (i > 0 && v.asLong() <= out[i - 1])) {
                r.error(P + ".milestones[" + i + "]", "must be an integer >= 1 greater than the one before, got " + v);
                return new long[0];
            }
            out[i] = v.asLong();
        }
        return out;
    }

    private static void oneCycle(SpecReader r, JsonNode s, Map<String, Object> h) {
        h.put("max_lr", r.number(s, "max_lr", P, null, 0, true, HUGE, false));
        long total = r.integer(s, "total_steps", P, null, 2, FOREVER);
        double pct = r.number(s, "pct_start", P, 0.3, 0, true, 1, true);
        boolean threePhase = r.bool(s, "three_phase", P, false);
        h.put("total_steps", total);
        h.put("pct_start", pct);
        h.put("anneal_strategy", r.choice(s, "anneal_strategy", P, "cos", Set.of("cos", "linear")));
        h.put("div_factor", r.number(s, "div_factor", P, 25.0, 0, true, HUGE, false));
        h.put("final_div_factor", r.number(s, "final_div_factor", P, 1e4, 0, true, HUGE, false));
        h.put("three_phase", threePhase);
        // Each phase must span at least one step, or PyTorch's formula divides by zero.
        if (total >= 2 && pct * total <= 1) {
            r.error(P + ".pct_start", "must exceed 1 / total_steps = " + String.format(Locale.ROOT, "%.4g", 1.0 / total)
                    + " so that the rising phase has a step, got " + SpecReader.fmt(pct));
        } else if (threePhase && pct > 0.5) {
            r.error(P + ".pct_start", "must be <= 0.5 with three_phase (two phases of pct_start * total_steps each), got "
                    + SpecReader.fmt(pct));
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
