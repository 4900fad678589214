package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.drift.DetectorKind;
import io.streamfit.drift.Detectors;
import io.streamfit.hyper.HyperParameter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The spec's sections for a stream that changes: {@code drift} (which detector watches which
 * prequential signal, and what an alarm does to the optimizer, the schedule and the snapshots)
 * and {@code replay} (a reservoir of past examples mixed into every mini-batch, against forgetting).
 *
 * <pre>
 * drift:
 *   detector: {type: page_hinkley, threshold: 20}   # or adwin; parameters as drift.Detectors declares
 *   signal: loss              # per-batch mean prequential loss (default), or error: 1 - accuracy
 *   reset_moments: true       # zero the optimizer's moment buffers (Adam's exp_avg, SGD's momentum_buffer, ...)
 *   restart_schedule: true    # the learning-rate schedule (and its warm-up) starts again from step 0
 *   boost_lr: {factor: 3, steps: 500}   # multiply the rate by factor for that many steps
 *   tag_pre_drift: true       # publish the last snapshot committed before the alarm as &lt;id&gt;/pre-drift
 * </pre>
 */
final class DriftSpecs {
    private DriftSpecs() {}

    private static final String P = "drift";

    /** The most memory a reservoir may take: 256 MiB of float32 inputs and targets. */
    static final long MAX_REPLAY_BYTES = 256L << 20;

    /**
     * <pre>
     * replay: {capacity: 5000, fraction: 0.25}   # 5,000 past examples; a quarter of each trained batch replayed
     * </pre>
     */
    static ModelSpec.ReplaySpec replay(SpecReader r, JsonNode n, int inputWidth, ModelSpec.Task task) {
        if (n == null) {
            return null;
        }
        String p = "replay";
        r.rejectUnknown(n, p, Set.of("capacity", "fraction"));
        Long capacity = r.integer(n, "capacity", p, null, 1, 10_000_000);
        Double fraction = r.number(n, "fraction", p, 0.25, 0, true, 0.9, false);
        if (capacity == null || fraction == null || task == null) {
            return null; // reported
        }
        ModelSpec.ReplaySpec spec = new ModelSpec.ReplaySpec(capacity.intValue(), fraction);
        long bytes = spec.bytes(inputWidth, task);
        if (bytes > MAX_REPLAY_BYTES) {
            r.error(p + ".capacity", "holds " + capacity + " examples of " + bytes / capacity + " bytes = " + bytes / (1 << 20)
                    + " MiB, over the limit of " + (MAX_REPLAY_BYTES >> 20) + " MiB (the reservoir is in memory and in"
                    + " every snapshot)");
        }
        return spec;
    }

    static ModelSpec.DriftSpec parse(SpecReader r, JsonNode d, ModelSpec.Task task) {
        if (d == null) {
            return null;
        }
        r.rejectUnknown(d, P, Set.of("detector", "signal", "reset_moments", "restart_schedule", "boost_lr", "tag_pre_drift"));
        String detectorPath = P + ".detector";
        JsonNode det = r.object(d, "detector", P, true);
        String type = det == null ? null : r.choice(det, "type", detectorPath, null, new HashSet<>(Detectors.names()));
        Map<String, Object> params = new LinkedHashMap<>();
        if (type != null) {
            DetectorKind kind = Detectors.named(type);
            for (HyperParameter param : kind.params()) {
                params.put(param.name(), r.hyper(det, detectorPath, param, params, 0));
            }
            Set<String> known = new HashSet<>(params.keySet());
            known.add("type");
            r.rejectUnknown(det, detectorPath, known);
        }
        String signal = r.choice(d, "signal", P, "loss", Set.of("loss", "error"));
        if ("error".equals(signal) && task != null && task.type() == ModelSpec.TaskType.REGRESSION) {
            r.error(P + ".signal", "must be loss for a regression task (error is 1 - accuracy, which needs classes)");
        }
        boolean reset = Boolean.TRUE.equals(r.bool(d, "reset_moments", P, false));
        boolean restart = Boolean.TRUE.equals(r.bool(d, "restart_schedule", P, false));
        JsonNode boost = r.object(d, "boost_lr", P, false);
        double factor = 1;
        long steps = 0;
        if (boost != null) {
            String b = P + ".boost_lr";
            r.rejectUnknown(boost, b, Set.of("factor", "steps"));
            Double f = r.number(boost, "factor", b, 10.0, 0, true, 1000, false);
            Long n = r.integer(boost, "steps", b, null, 1, 1_000_000_000L);
            factor = f == null ? 1 : f; // null: already reported
            steps = n == null ? 0 : n;
        }
        boolean tag = Boolean.TRUE.equals(r.bool(d, "tag_pre_drift", P, false));
        return new ModelSpec.DriftSpec(type, params, signal, reset, restart, factor, steps, tag);
    }
}
