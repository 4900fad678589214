package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * The spec's {@code distillation} section:
 *
 * <pre>
 * distillation:
 *   teacher: {model: demo-fashion-mnist}   # its latest snapshot on the snapshot topic; or {file: teacher.safetensors}
 *   temperature: 4.0                       # softmax temperature of the soft targets, > 0
 *   alpha: 0.5                             # weight of the hard labels' cross-entropy (the rest: T^2 * KL)
 * </pre>
 *
 * For classification, without mixup (which mixes the labels the teacher would have to match) and
 * without a search (whose trials train alone).
 */
final class DistillationSpecs {
    private DistillationSpecs() {}

    private static final String P = "distillation";

    static ModelSpec.DistillationSpec parse(SpecReader r, JsonNode d, String id, ModelSpec.Task task,
            ModelSpec.AugmentationSpec augmentation, boolean searches) {
        if (d == null) {
            return null;
        }
        r.rejectUnknown(d, P, Set.of("teacher", "temperature", "alpha"));
        JsonNode t = r.object(d, "teacher", P, true);
        String tp = P + ".teacher";
        r.rejectUnknown(t, tp, Set.of("model", "file"));
        String model = t == null ? null : r.string(t, "model", tp, "", SpecParser.ID_PATTERN, "a model id");
        String file = t == null ? null : r.string(t, "file", tp, "", null, null);
        boolean hasModel = model != null && !model.isEmpty();
        boolean hasFile = file != null && !file.isEmpty();
        if (t != null && hasModel == hasFile) {
            r.error(tp,
                    "must set exactly one of model (a model id whose latest snapshot teaches) or file (a .safetensors snapshot)");
        }
        if (hasModel && model.equals(id)) {
            r.error(tp + ".model", "names this model itself: a model cannot teach itself");
        }
        Double temperature = r.number(d, "temperature", P, 4.0, 0, true, 1000, false);
        Double alpha = r.number(d, "alpha", P, 0.5, 0, false, 1, false);
        if (task != null && task.type() != ModelSpec.TaskType.CLASSIFICATION) {
            r.error(P, "needs a classification task (soft targets are class probabilities), got "
                    + task.type().name().toLowerCase());
        }
        if (augmentation != null && augmentation.mixupAlpha() > 0) {
            r.error(P, "does not combine with augmentation.mixup, which mixes the labels the teacher's targets stand beside");
        }
        if (searches) {
            r.error(P, "does not combine with search: a search's trials train without a teacher");
        }
        return new ModelSpec.DistillationSpec(hasModel ? model : null, hasFile ? file : null,
                temperature == null ? 1 : temperature, alpha == null ? 0 : alpha);
    }
}
