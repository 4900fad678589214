package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * The spec's sections about what the model learns from rather than what it is: the held-out
 * slice and early stopping ({@code early_stopping}), the input's image shape
 * ({@code input_shape}) and data augmentation ({@code augmentation}).
 */
final class TrainingDataSpecs {
    private TrainingDataSpecs() {}

    private static final long MAX_COUNT = 1_000_000_000L;

    /**
     * <pre>
     * early_stopping:
     *   holdout_every: 10     # every 10th mini-batch is held out: scored, never trained on
     *   check_batches: 10     # one validation check = mean loss over this many held-out batches
     *   patience: 5           # checks without improvement before updates pause
     *   min_delta: 0.0        # an improvement must beat the best by more than this
     *   resume: {loss_increase: 0.1, after_batches: 0}   # automatic resume triggers (0 = off)
     * </pre>
     */
    static ModelSpec.EarlyStoppingSpec earlyStopping(SpecReader r, JsonNode e) {
        if (e == null) {
            return null;
        }
        String p = "early_stopping";
        r.rejectUnknown(e, p, Set.of("holdout_every", "check_batches", "patience", "min_delta", "resume"));
        int every = r.integer(e, "holdout_every", p, 10L, 2, 1_000_000).intValue();
        int check = r.integer(e, "check_batches", p, 10L, 1, 1_000_000).intValue();
        int patience = r.integer(e, "patience", p, 5L, 1, 1_000_000).intValue();
        double minDelta = r.number(e, "min_delta", p, 0.0, 0, false, 1e6, false);
        JsonNode resume = r.object(e, "resume", p, false);
        r.rejectUnknown(resume, p + ".resume", Set.of("loss_increase", "after_batches"));
        double increase = r.number(resume, "loss_increase", p + ".resume", 0.0, 0, false, 1e6, false);
        long after = r.integer(resume, "after_batches", p + ".resume", 0L, 0, MAX_COUNT);
        return new ModelSpec.EarlyStoppingSpec(every, check, patience, minDelta, increase, after);
    }

    /** {@code divergence: {max_bad_steps: 10, lr_factor: 0.5, max_rollbacks: 3}} (those are the defaults). */
    static ModelSpec.DivergenceSpec divergence(SpecReader r, JsonNode d) {
        if (d == null) {
            return ModelSpec.DivergenceSpec.DEFAULT;
        }
        String p = "divergence";
        r.rejectUnknown(d, p, Set.of("max_bad_steps", "lr_factor", "max_rollbacks"));
        ModelSpec.DivergenceSpec dflt = ModelSpec.DivergenceSpec.DEFAULT;
        int bad = r.integer(d, "max_bad_steps", p, (long) dflt.maxBadSteps(), 1, 1_000_000).intValue();
        double factor = r.number(d, "lr_factor", p, dflt.lrFactor(), 0, true, 1, false);
        int rollbacks = r.integer(d, "max_rollbacks", p, (long) dflt.maxRollbacks(), 0, 1000).intValue();
        return new ModelSpec.DivergenceSpec(bad, factor, rollbacks);
    }

    /** {@code input_shape: [height, width, channels]}, row-major HWC; its product must be {@code input_width}. */
    static ModelSpec.ImageShape inputShape(SpecReader r, JsonNode s, int inputWidth) {
        if (s == null || s.isNull()) {
            return null;
        }
        String p = "input_shape";
        if (!s.isArray() || s.size() != 3 || !s.get(0).isIntegralNumber() || !s.get(1).isIntegralNumber()
                || !s.get(2).isIntegralNumber()) {
            r.error(p, "must be [height, width, channels] (three integers, row-major HWC), got " + SpecReader.describe(s));
            return null;
        }
        // canConvertToLong: 2^64 + 28 must not be read as 28
        long h = s.get(0).canConvertToLong() ? s.get(0).asLong() : -1;
        long w = s.get(1).canConvertToLong() ? s.get(1).asLong() : -1;
        long c = s.get(2).canConvertToLong() ? s.get(2).asLong() : -1;
        if (h < 1 || w < 1 || c < 1 || h > 100_000 || w > 100_000 || c > 100_000) {
            r.error(p, "dimensions must be in [1, 100000], got " + JsonReadErrors.excerpt(s.toString(), 64));
            return null;
        }
        if (h * w * c != inputWidth) {
            r.error(p, s + " holds " + h * w * c + " values but input_width is " + inputWidth);
            return null;
        }
        return new ModelSpec.ImageShape((int) h, (int) w, (int) c);
    }

    /**
     * <pre>
     * augmentation:
     *   mixup: {alpha: 0.2}        # any input; classification or binary tasks
     *   shift: 2                   # images: random translation up to +-2 pixels, zero fill
     *   horizontal_flip: true      # images: mirror with probability 0.5
     *   rotation: 10               # images: random rotation up to +-10 degrees, bilinear
     * </pre>
     */
    static ModelSpec.AugmentationSpec augmentation(SpecReader r, JsonNode a, ModelSpec.ImageShape image, ModelSpec.Task task) {
        if (a == null) {
            return ModelSpec.AugmentationSpec.NONE;
        }
        String p = "augmentation";
        r.rejectUnknown(a, p, Set.of("mixup", "shift", "horizontal_flip", "rotation"));
        double alpha = 0;
        JsonNode m = r.object(a, "mixup", p, false);
        if (m != null) {
            r.rejectUnknown(m, p + ".mixup", Set.of("alpha"));
            alpha = r.number(m, "alpha", p + ".mixup", 0.2, 0, true, 100, false);
            if (task.type() == ModelSpec.TaskType.REGRESSION) {
                // The loss mixes the two examples' losses, which for MSE is not the loss of a mixed
                // target, and the original paper is about labels: refused rather than guessed.
                r.error(p + ".mixup", "applies to classification and binary tasks (it mixes labels); "
                        + "for regression use gaussian_noise");
            }
        }
        int shift = r.integer(a, "shift", p, 0L, 0, 10_000).intValue();
        boolean flip = r.bool(a, "horizontal_flip", p, false);
        double rotation = r.number(a, "rotation", p, 0.0, 0, false, 180, false);
        boolean geometric = shift > 0 || flip || rotation > 0;
        if (geometric && image == null) {
            r.error(p, "shift, horizontal_flip and rotation need the input declared as an image: "
                    + "input_shape: [height, width, channels]");
        }
        if (image != null && shift >= Math.max(image.height(), image.width())) {
            r.error(p + ".shift", "must be smaller than the image (" + image.height() + "x" + image.width() + "), got " + shift);
        }
        return new ModelSpec.AugmentationSpec(alpha, shift, flip, rotation);
    }
}
