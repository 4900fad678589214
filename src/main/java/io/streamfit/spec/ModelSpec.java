package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.hyper.HyperValues;
import io.streamfit.nn.LayerKind;
import io.streamfit.nn.SequenceRows;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated model declaration. Build one with {@link SpecParser}; every field has been
 * checked, so the training code never re-validates. {@link #source()} is the spec as the user
 * wrote it (normalized to JSON), which snapshots carry as provenance.
 *
 * @param labelSmoothing cross-entropy's {@code label_smoothing} (0 = none)
 * @param deadLetterTopic where undecodable or invalid records go (default {@code <topic>.dlq})
 * @param earlyStopping the held-out slice and early stopping, or null when off
 * @param inputShape the input as an image (row-major height x width x channels), or null
 * @param sequence the input as a sequence of steps (recurrent layers), or null; then
 *     {@code inputWidth} is the row width {@link SequenceRows} lays out
 */
public record ModelSpec(
        String id,
        String topic,
        int inputWidth,
        Task task,
        List<LayerSpec> layers,
        String loss,
        double labelSmoothing,
        OptimizerSpec optimizer,
        ScheduleSpec schedule,
        ClippingSpec clipping,
        int batchSize,
        long seed,
        SnapshotPolicy snapshot,
        int evaluationWindow,
        String deadLetterTopic,
        List<String> freeze,
        PretrainedSpec pretrained,
        RegularizationSpec regularization,
        EarlyStoppingSpec earlyStopping,
        ImageShape inputShape,
        AugmentationSpec augmentation,
        DivergenceSpec divergence,
        DriftSpec drift,
        ReplaySpec replay,
        DistillationSpec distillation,
        SequenceSpec sequence,
        JsonNode source) {

    /**
     * The search this spec runs, or null: a spec with a {@code search} section parses to its
     * representative ({@link SearchModels}), whose source keeps the section.
     */
    public SearchSpecs.Plan search() {
        return SearchSpecs.isSearch(source) ? SearchSpecs.plan(source) : null;
    }

    /** Whether this spec runs a search (cheaper than {@link #search()}, which parses the plan). */
    public boolean searches() {
        return SearchSpecs.isSearch(source);
    }

    /** This spec with another source document (what a search's representative spec carries). */
    ModelSpec withSource(JsonNode newSource) {
        return new ModelSpec(id, topic, inputWidth, task, layers, loss, labelSmoothing, optimizer, schedule, clipping,
                batchSize, seed, snapshot, evaluationWindow, deadLetterTopic, freeze, pretrained, regularization,
                earlyStopping, inputShape, augmentation, divergence, drift, replay, distillation, sequence, newSource);
    }

    /** Number of trainable parameters the layers declare. */
    public long parameterCount() {
        return layers.stream().mapToLong(LayerSpec::parameterCount).sum();
    }

    /**
     * The layer that declares a tensor, by the tensor's {@code state_dict} name: {@code 2.weight}
     * is layer 2's, {@code 1.body.0.weight} the first body layer's of residual block 1.
     */
    public LayerSpec layerOf(String tensorName) {
        String[] parts = tensorName.split("\\.");
        List<LayerSpec> level = layers;
        for (int k = 0;; k += 2) {
            LayerSpec l = level.get(Integer.parseInt(parts[k]));
            if (!(l.isResidual() && k + 1 < parts.length && parts[k + 1].equals("body"))) {
                return l;
            }
            level = l.body();
        }
    }

    /**
     * Whether a {@code freeze} list covers a tensor: it names the tensor, or a module (or
     * residual block) that contains it.
     */
    public static boolean freezes(List<String> freeze, String tensorName) {
        return freeze.stream().anyMatch(f -> tensorName.equals(f) || tensorName.startsWith(f + "."));
    }

    /** Whether any layer, inside residual blocks too, is of the given kind. */
    public boolean hasLayer(LayerKind kind) {
        return kinds(layers).contains(kind);
    }

    /** The kinds of layer used, inside residual blocks too, in the order they first appear. */
    static Set<LayerKind> kinds(List<LayerSpec> layers) {
        Set<LayerKind> out = new LinkedHashSet<>();
        for (LayerSpec l : layers) {
            out.add(l.kind());
            out.addAll(kinds(l.body()));
        }
        return out;
    }

    /**
     * An upper estimate of a snapshot's size: parameters and per-parameter optimizer state in
     * float32, plus room for the header (tensor table, spec, metadata).
     */
    public long estimatedSnapshotBytes() {
        int stateBuffers = OptimizerSpecs.stateBuffers(optimizer);
        // The prequential window's batches are metadata too: under 64 bytes each (WindowMetadata).
        return 4 * parameterCount() * (1 + stateBuffers) + 64 * 1024 + 2L * source.toString().length() + 64L * evaluationWindow
                + (replay == null ? 0 : replay.bytes(inputWidth, task));
    }

    /** What the model predicts. */
    public record Task(TaskType type, int width) {}

    public enum TaskType {
        /** {@code y} is a class index in [0, classes); softmax over the outputs. */
        CLASSIFICATION,
        /** {@code y} is an array of real targets. */
        REGRESSION,
        /** {@code y} is an array of 0/1 targets (multi-label); one logit per output. */
        BINARY
    }

    /**
     * One module of {@code layers}: its {@link LayerKind}, the width it receives, its options as
     * the kind declares them (defaults filled in: numbers {@code Double}, counts {@code Long},
     * flags {@code Boolean}; {@link #values()} reads them by name), the initializers chosen per
     * parameter tensor ({@code weight}, {@code bias}), and a container's body (empty for every
     * other kind).
     */
    public record LayerSpec(LayerKind kind, int inWidth, Map<String, Object> options, Map<String, InitSpec> init,
            List<LayerSpec> body) {
        /** The options, to read by name. */
        public HyperValues values() {
            return HyperValues.of(options);
        }

        /** The kind's spec name, e.g. {@code dense}. */
        public String type() {
            return kind.name();
        }

        /** A residual block {@code x + body(x)}. */
        public boolean isResidual() {
            return kind.role() == LayerKind.Role.CONTAINER;
        }

        /** A normalization layer: its {@code weight} and {@code bias} are a gain and a shift. */
        public boolean isNormalization() {
            return kind.role() == LayerKind.Role.NORMALIZATION;
        }

        /** Whether the layer has trainable tensors ({@code i.weight}, {@code i.bias}, or in a residual body). */
        public boolean hasParameters() {
            return !kind.parameters().isEmpty() || body.stream().anyMatch(LayerSpec::hasParameters);
        }

        /** Trainable parameters, the body's included. */
        public long parameterCount() {
            return kind.parameterCount(inWidth, values()) + body.stream().mapToLong(LayerSpec::parameterCount).sum();
        }
    }

    /**
     * What to do when training diverges: after {@code maxBadSteps} consecutive steps with a
     * non-finite loss or gradient, roll back to the last committed snapshot and multiply the
     * learning rate by {@code lrFactor}; after {@code maxRollbacks} rollbacks without getting past
     * the trouble, stop the model.
     */
    public record DivergenceSpec(int maxBadSteps, double lrFactor, int maxRollbacks) {
        public static final DivergenceSpec DEFAULT = new DivergenceSpec(10, 0.5, 3);
    }

    /**
     * Drift detection on the per-batch prequential {@code signal} ({@code loss}: mean loss;
     * {@code error}: 1 - accuracy) by {@code detector} (a {@code drift.Detectors} name) with its
     * parameters, and what an alarm does besides counting and logging: zero the optimizer's
     * moment buffers, restart the learning-rate schedule (its warm-up too), multiply the rate by
     * {@code boostFactor} for {@code boostSteps} steps (1 and 0: off), tag the last snapshot
     * committed before the alarm {@code <id>/pre-drift}.
     */
    public record DriftSpec(String detector, Map<String, Object> params, String signal, boolean resetMoments,
            boolean restartSchedule, double boostFactor, long boostSteps, boolean tagPreDrift) {
        /** Whether an alarm raises the learning rate for a while. */
        public boolean boosts() {
            return boostSteps > 0 && boostFactor != 1;
        }

        /** The actions an alarm takes, as the log says them: {@code reset_moments, boost_lr x3 for 500 steps}, or {@code no action}. */
        public String actions() {
            List<String> a = new ArrayList<>();
            if (resetMoments) {
                a.add("reset_moments");
            }
            if (restartSchedule) {
                a.add("restart_schedule");
            }
            if (boosts()) {
                a.add("boost_lr x" + boostFactor + " for " + boostSteps + " steps");
            }
            if (tagPreDrift) {
                a.add("tag_pre_drift");
            }
            return a.isEmpty() ? "no action" : String.join(", ", a);
        }
    }

    /**
     * Experience replay: a reservoir of {@code capacity} past examples, of which each training
     * mini-batch draws the share {@code fraction} ({@code train.ReplayBuffer}).
     */
    public record ReplaySpec(int capacity, double fraction) {
        /** The reservoir's memory, and its size in every snapshot: float32 inputs and targets. */
        public long bytes(int inputWidth, Task task) {
            return 4L * capacity * (inputWidth + (task.type() == TaskType.CLASSIFICATION ? 1 : task.width()));
        }
    }

    /**
     * Knowledge distillation from a teacher: the latest snapshot of the model {@code teacherModel}
     * on the snapshot topic, or the file {@code teacherFile} (exactly one is set); soft targets at
     * {@code temperature}, the hard labels' loss weighted {@code alpha} ({@code nn.Distillation}).
     */
    public record DistillationSpec(String teacherModel, String teacherFile, double temperature, double alpha) {
        /** Where the teacher comes from, as messages say it. */
        public String teacherSource() {
            return teacherModel != null ? "model " + teacherModel : "file " + teacherFile;
        }
    }

    /** A {@code torch.nn.init} initializer by name with its arguments, defaults filled in. */
    public record InitSpec(String type, Map<String, Object> params) {
        public double number(String name) {
            return ((Number) params.get(name)).doubleValue();
        }

        public String choice(String name) {
            return (String) params.get(name);
        }
    }

    /**
     * Gradient clipping: {@code type} is {@code none}, {@code norm} (global L2 norm),
     * {@code per_tensor_norm} or {@code value}; {@code bound} is max_norm or clip_value.
     */
    public record ClippingSpec(String type, double bound) {
        public static final ClippingSpec NONE = new ClippingSpec("none", Double.POSITIVE_INFINITY);
    }

    /**
     * Penalties and decoupled decay for the parameter group that excludes the kinds in
     * {@code exclude} ({@code bias}: every {@code *.bias}; {@code norm}: normalization layers'
     * weight and bias).
     */
    public record RegularizationSpec(double l1, double l2, double weightDecay, Set<String> exclude) {
        public static final RegularizationSpec NONE = new RegularizationSpec(0, 0, 0, Set.of("bias", "norm"));
    }

    /**
     * Start a new model from another snapshot's parameters: the latest snapshot of model
     * {@code model} on the snapshot topic, or the safetensors file {@code file} (exactly one is
     * set). {@code strict} as in {@code load_state_dict}: every parameter must be found.
     */
    public record PretrainedSpec(String model, String file, boolean strict) {}

    /** An optimizer by PyTorch name with its hyper-parameters under PyTorch's names, defaults filled in. */
    public record OptimizerSpec(String type, double lr, Map<String, Object> hyper) implements HyperValues {
        @Override
        public Object value(String name) {
            return hyper.get(name);
        }

        @Override
        public double number(String name) {
            if (hyper.get(name) instanceof double[]) {
                throw new IllegalArgumentException(name + " is a pair");
            }
            return HyperValues.super.number(name);
        }
    }

    /**
     * A learning-rate schedule by name with its parameters under their PyTorch names, defaults
     * filled in (numbers are {@code Double}, counts {@code Long}, flags {@code Boolean}, choices
     * {@code String}, milestones {@code long[]}).
     *
     * @param warmup a warm-up in front of the schedule, or null
     * @param referenceBatchSize the linear scaling rule's reference batch size, 0 when off
     */
    public record ScheduleSpec(String type, Map<String, Object> params, WarmupSpec warmup, int referenceBatchSize)
            implements HyperValues {
        @Override
        public Object value(String name) {
            return params.get(name);
        }
    }

    /** A linear or exponential ramp over the first {@code steps} steps. */
    public record WarmupSpec(long steps, boolean exponential, double startFactor) {}

    /**
     * Early stopping on a held-out slice of the stream: every {@code holdoutEvery}-th mini-batch
     * is scored and never trained on; a check is the mean loss over {@code checkBatches} of them;
     * after {@code patience} checks that do not beat the best by more than {@code minDelta},
     * updates pause until validation loss rises {@code resumeLossIncrease} (relative) above the
     * best, {@code resumeAfterBatches} paused batches pass, or an operator resumes (0 = off).
     */
    public record EarlyStoppingSpec(int holdoutEvery, int checkBatches, int patience, double minDelta,
            double resumeLossIncrease, long resumeAfterBatches) {}

    /**
     * An input declared as a sequence of up to {@code length} steps of {@code features} values,
     * at least {@code minLength} long; {@code batchFirst} as PyTorch's: a JSON mini-batch record
     * is {@code [batch][step][feature]} when true, {@code [step][batch][feature]} when false.
     * Examples are stored as {@link SequenceRows} rows.
     */
    public record SequenceSpec(int length, int minLength, int features, boolean batchFirst) {
        /** The row width: every step's values and the length. */
        public int width() {
            return SequenceRows.width(length, features);
        }

        /** Whether all sequences have the same length. */
        public boolean fixedLength() {
            return minLength == length;
        }
    }

    /** An input declared as an image, stored row-major as height x width x channels (HWC). */
    public record ImageShape(int height, int width, int channels) {}

    /**
     * Training-time data augmentation: mixup with Beta({@code mixupAlpha}, same) mixing weights
     * (0 = off), and for images random shifts up to {@code shift} pixels, horizontal flips and
     * rotations up to {@code rotationDegrees}.
     */
    public record AugmentationSpec(double mixupAlpha, int shift, boolean horizontalFlip, double rotationDegrees) {
        public static final AugmentationSpec NONE = new AugmentationSpec(0, 0, false, 0);

        public boolean any() {
            return mixupAlpha > 0 || geometric();
        }

        /** Whether any image transformation is on. */
        public boolean geometric() {
            return shift > 0 || horizontalFlip || rotationDegrees > 0;
        }
    }

    /** When to publish a snapshot: after {@code everySteps} steps or {@code everySeconds}, whichever first (0 = off). */
    public record SnapshotPolicy(long everySteps, double everySeconds) {}
}
