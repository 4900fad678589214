package io.streamfit.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.nn.LayerKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses and validates model specs (YAML or JSON; JSON is YAML). Every rejection lists all
 * problems, each naming the field and the reason; nothing is thrown but {@link SpecException}.
 *
 * <pre>
 * id: fashion-mlp                  # [A-Za-z0-9._-]{1,64}: used in group, transactional ids and file names
 * topic: fashion.examples          # input topic
 * input_width: 784
 * task: {type: classification, classes: 10}     # or {type: regression|binary, outputs: M}
 * layers:                          # torch.nn.Sequential order; the last width must equal the task's
 *   - {type: dense, units: 256}
 *   - {type: relu}                 # relu | tanh | sigmoid | gelu
 *   - {type: layer_norm, eps: 1.0e-5}
 *   - {type: dropout, p: 0.2}      # inverted dropout (nn.Dropout), identity at prediction
 *   - {type: batch_norm, eps: 1.0e-5, momentum: 0.1}   # nn.BatchNorm1d
 *   - {type: standardize, freeze_after: 0}   # online input standardization (first layer usually)
 *   - {type: min_max_scale, freeze_after: 0} # online min-max scaling to [0, 1]
 *   - {type: pca_whiten, eps: 1.0e-5, zca: false, refresh_every: 10000, freeze_after: 0}  # inputs up to 128 wide
 *   - {type: gaussian_noise, std: 0.1}       # augmentation: input noise in training only
 *   - {type: residual, layers: [{type: dense, units: 256}, {type: relu}]}   # x + body(x); body keeps the width
 *   - {type: dense, units: 10}
 * loss: softmax_cross_entropy      # default by task: mse (regression), binary_cross_entropy (binary)
 * optimizer: {type: adam, lr: 0.001, betas: [0.9, 0.999], eps: 1.0e-8, weight_decay: 0, amsgrad: false}
 * schedule: {type: constant}       # or {type: step, step_size: 1000, gamma: 0.5}
 * gradient_clipping: {max_norm: 5.0}
 * batch_size: 64
 * seed: 42
 * snapshot: {every_steps: 1000, every_seconds: 30}
 * evaluation: {window: 100}        # prequential window, in batches
 * dead_letter_topic: fashion.examples.dlq
 * early_stopping: {holdout_every: 10, check_batches: 10, patience: 5}   # see TrainingDataSpecs
 * input_shape: [28, 28, 1]         # the input as an image (HWC), for image augmentation
 * augmentation: {mixup: {alpha: 0.2}, shift: 2, horizontal_flip: true, rotation: 10}
 * divergence: {max_bad_steps: 10, lr_factor: 0.5, max_rollbacks: 3}   # the defaults
 * </pre>
 */
public final class SpecParser {
    static final String ID_PATTERN = "[A-Za-z0-9._-]{1,64}";
    static final String TOPIC_PATTERN = "[A-Za-z0-9._-]{1,249}";
    /** Upper bound on parameters: keeps one spec from exhausting memory (and snapshot size). */
    public static final long MAX_PARAMETERS = 50_000_000L;
    static final int MAX_WIDTH = LayerKind.MAX_WIDTH;
    /**
     * Largest spec text accepted, in bytes of UTF-8, from any source (HTTP body, specs directory,
     * models topic, the {@code train} command): checked before parsing.
     */
    public static final int MAX_SPEC_BYTES = 1 << 20;
    /** Deepest nesting of objects and arrays accepted in spec text (a real spec nests about 15 deep). */
    public static final int MAX_NESTING = 64;
    /** Longest string (and, in YAML, longest line) accepted in spec text, in characters. */
    public static final int MAX_STRING_CHARS = 65_536;
    /** Longest number accepted in spec text, in characters. */
    public static final int MAX_NUMBER_CHARS = 100;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Set<String> TOP = Set.of("id", "topic", "input_width", "task", "layers", "loss", "optimizer",
            "schedule", "gradient_clipping", "batch_size", "seed", "snapshot", "evaluation", "dead_letter_topic",
            "freeze", "pretrained", "regularization", "early_stopping", "input_shape", "augmentation", "divergence",
            "drift", "replay", "distillation", "sequence");
    private static final Set<String> LOSSES = Set.of("softmax_cross_entropy", "mse", "binary_cross_entropy");

    private SpecParser() {}

    /**
     * Parses YAML or JSON text from any source; the text's size, nesting, strings, numbers,
     * duplicate keys and YAML aliases are checked as {@link SpecText} documents.
     */
    public static ModelSpec parse(String text) {
        return parse(SpecText.read(text));
    }

    /** The document {@link #parse(String)} would parse, checked the same way, for callers that look at it first (a search). */
    public static JsonNode read(String text) {
        return SpecText.read(text);
    }

    public static ModelSpec parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new SpecException(List.of("spec must be an object with fields " + TOP));
        }
        if (root.has("search")) {
            return SearchModels.representative(root); // its fields hold spaces: parsed through the search's plan
        }
        SpecReader r = new SpecReader();
        r.rejectUnknown(root, "", TOP);
        String id = r.string(root, "id", "", null, ID_PATTERN, "1-64 characters of [A-Za-z0-9._-]");
        String topic = r.string(root, "topic", "", null, TOPIC_PATTERN, "a Kafka topic name ([A-Za-z0-9._-], 1-249 characters)");
        ModelSpec.SequenceSpec sequence = SequenceSpecs.parse(r, r.object(root, "sequence", "", false));
        int inputWidth = sequence != null ? SequenceSpecs.inputWidth(r, root, sequence)
                : r.integer(root, "input_width", "", null, 1, MAX_WIDTH).intValue();
        ModelSpec.Task task = task(r, root);
        List<ModelSpec.LayerSpec> layers = LayerSpecs.parse(r, root, inputWidth, task, sequence);
        JsonNode lossNode = root.get("loss");
        String loss = loss(r, lossNode != null && lossNode.isObject() ? lossNode : root,
                lossNode != null && lossNode.isObject() ? "type" : "loss", task);
        double labelSmoothing = labelSmoothing(r, lossNode, loss);
        ModelSpec.OptimizerSpec optimizer = OptimizerSpecs.parse(r, r.object(root, "optimizer", "", true));
        ModelSpec.ScheduleSpec schedule = ScheduleSpecs.parse(r, r.object(root, "schedule", "", false), optimizer);
        ModelSpec.ClippingSpec clipping = clipping(r, r.object(root, "gradient_clipping", "", false));
        int batch = r.integer(root, "batch_size", "", null, 1, 65_536).intValue();
        SequenceSpecs.checkLayers(r, root, sequence, layers);
        for (LayerKind kind : ModelSpec.kinds(layers)) {
            if (batch >= 1 && batch < kind.limits().minBatch()) {
                r.error("batch_size", "must be >= " + kind.limits().minBatch() + " with " + kind.name() + ": "
                        + kind.limits().batchReason());
            }
        }
        long seed = r.integer(root, "seed", "", 0L, Long.MIN_VALUE, Long.MAX_VALUE);
        JsonNode snap = r.object(root, "snapshot", "", false);
        r.rejectUnknown(snap, "snapshot", Set.of("every_steps", "every_seconds"));
        long everySteps = r.integer(snap, "every_steps", "snapshot", 1000L, 0, Long.MAX_VALUE);
        double everySeconds = r.number(snap, "every_seconds", "snapshot", 30.0, 0, false, 86_400 * 365.0, false);
        if (everySteps == 0 && everySeconds == 0) {
            r.error("snapshot", "must set every_steps or every_seconds above 0, or no snapshot would ever be published");
        }
        JsonNode eval = r.object(root, "evaluation", "", false);
        r.rejectUnknown(eval, "evaluation", Set.of("window"));
        int window = r.integer(eval, "window", "evaluation", 100L, 1, 1_000_000).intValue();
        String dlq = r.string(root, "dead_letter_topic", "", topic == null ? "" : topic + ".dlq", TOPIC_PATTERN,
                "a Kafka topic name");
        if (dlq != null && dlq.equals(topic)) {
            r.error("dead_letter_topic", "must differ from topic \"" + topic + "\": rejected records would be read again");
        }
        if (!r.errors().isEmpty()) {
            throw new SpecException(r.errors());
        }
        List<String> freeze = freeze(r, root.get("freeze"), layers);
        ModelSpec.PretrainedSpec pretrained = pretrained(r, r.object(root, "pretrained", "", false), id);
        ModelSpec.RegularizationSpec regularization = regularization(r, r.object(root, "regularization", "", false));
        ModelSpec.EarlyStoppingSpec earlyStopping = TrainingDataSpecs.earlyStopping(r,
                r.object(root, "early_stopping", "", false));
        ModelSpec.ImageShape inputShape = TrainingDataSpecs.inputShape(r, root.get("input_shape"), inputWidth);
        ModelSpec.AugmentationSpec augmentation = TrainingDataSpecs.augmentation(r, r.object(root, "augmentation", "", false),
                inputShape, task);
        ModelSpec.DivergenceSpec divergence = TrainingDataSpecs.divergence(r, r.object(root, "divergence", "", false));
        ModelSpec.DriftSpec drift = DriftSpecs.parse(r, r.object(root, "drift", "", false), task);
        ModelSpec.ReplaySpec replay = DriftSpecs.replay(r, r.object(root, "replay", "", false), inputWidth, task);
        SequenceSpecs.checkMemory(r, sequence, layers, batch, replay);
        ModelSpec.DistillationSpec distillation = DistillationSpecs.parse(r, r.object(root, "distillation", "", false), id,
                task, augmentation, root.has("search"));
        if (!r.errors().isEmpty()) {
            throw new SpecException(r.errors());
        }
        return new ModelSpec(id, topic, inputWidth, task, layers, loss, labelSmoothing, optimizer, schedule, clipping, batch,
                seed,
                new ModelSpec.SnapshotPolicy(everySteps, everySeconds), window, dlq, freeze, pretrained, regularization,
                earlyStopping, inputShape, augmentation, divergence, drift, replay, distillation, sequence, root.deepCopy());
    }

    private static ModelSpec.Task task(SpecReader r, JsonNode root) {
        JsonNode t = r.object(root, "task", "", true);
        if (t == null) {
            return new ModelSpec.Task(ModelSpec.TaskType.CLASSIFICATION, 0);
        }
        String type = r.choice(t, "type", "task", null, Set.of("classification", "regression", "binary"));
        if ("classification".equals(type)) {
            r.rejectUnknown(t, "task", Set.of("type", "classes"));
            return new ModelSpec.Task(ModelSpec.TaskType.CLASSIFICATION,
                    r.integer(t, "classes", "task", null, 2, MAX_WIDTH).intValue());
        }
        if (type == null) {
            return new ModelSpec.Task(ModelSpec.TaskType.CLASSIFICATION, 0);
        }
        r.rejectUnknown(t, "task", Set.of("type", "outputs"));
        int outputs = r.integer(t, "outputs", "task", null, 1, MAX_WIDTH).intValue();
        return new ModelSpec.Task("binary".equals(type) ? ModelSpec.TaskType.BINARY : ModelSpec.TaskType.REGRESSION, outputs);
    }

    /** {@code loss: NAME} or {@code loss: {type: NAME, label_smoothing: 0.1}}. */
    private static String loss(SpecReader r, JsonNode parent, String field, ModelSpec.Task task) {
        String dflt = switch (task.type()) {
            case CLASSIFICATION -> "softmax_cross_entropy";
            case REGRESSION -> "mse";
            case BINARY -> "binary_cross_entropy";
        };
        String loss = r.choice(parent, field, field.equals("type") ? "loss" : "", dflt, LOSSES);
        if (loss == null) {
            return dflt;
        }
        boolean ok = switch (loss) {
            case "softmax_cross_entropy" -> task.type() == ModelSpec.TaskType.CLASSIFICATION;
            case "binary_cross_entropy" -> task.type() == ModelSpec.TaskType.BINARY;
            default -> task.type() == ModelSpec.TaskType.REGRESSION;
        };
        if (!ok) {
            r.error("loss", "\"" + loss + "\" does not fit task type " + task.type().name().toLowerCase()
                    + " (use " + dflt + ")");
        }
        return loss;
    }

    /** PyTorch's {@code CrossEntropyLoss(label_smoothing=...)}, in [0, 1]; 0 when not set. */
    private static double labelSmoothing(SpecReader r, JsonNode lossNode, String loss) {
        if (lossNode == null || !lossNode.isObject()) {
            return 0;
        }
        r.rejectUnknown(lossNode, "loss", Set.of("type", "label_smoothing"));
        double eps = r.number(lossNode, "label_smoothing", "loss", 0.0, 0, false, 1, false);
        if (eps != 0 && !"softmax_cross_entropy".equals(loss)) {
            r.error("loss.label_smoothing", "applies to softmax_cross_entropy only, not " + loss);
        }
        return eps;
    }

    private static ModelSpec.ClippingSpec clipping(SpecReader r, JsonNode c) {
        if (c == null) {
            return ModelSpec.ClippingSpec.NONE;
        }
        String p = "gradient_clipping";
        String type = r.choice(c, "type", p, "norm", Set.of("norm", "per_tensor_norm", "value"));
        if ("value".equals(type)) {
            r.rejectUnknown(c, p, Set.of("type", "clip_value"));
            return new ModelSpec.ClippingSpec(type, r.number(c, "clip_value", p, null, 0, true, 1e30, false));
        }
        r.rejectUnknown(c, p, Set.of("type", "max_norm"));
        return new ModelSpec.ClippingSpec(type == null ? "norm" : type, r.number(c, "max_norm", p, null, 0, true, 1e30, false));
    }

    /**
     * Layers or tensors to leave untrained, by {@code nn.Sequential} name: {@code "0"} freezes
     * module 0's weight and bias, {@code "0.weight"} just that tensor.
     */
    private static List<String> freeze(SpecReader r, JsonNode f, List<ModelSpec.LayerSpec> layers) {
        if (f == null || f.isNull()) {
            return List.of();
        }
        if (!f.isArray()) {
            r.error("freeze",
                    "must be an array of layer or tensor names like [\"0\", \"2.weight\"], got " + SpecReader.describe(f));
            return List.of();
        }
        Set<String> names = new TreeSet<>();
        List<String> tensors = new ArrayList<>();
        freezableNames(layers, "", names, tensors);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < f.size(); i++) {
            JsonNode n = f.get(i);
            // the number as written: asLong() would read 2^64 as "0"
            String name = n.isIntegralNumber() ? n.bigIntegerValue().toString() : n.asText();
            if (!(n.isTextual() || n.isIntegralNumber()) || !names.contains(name)) {
                r.error("freeze[" + i + "]", "must name a module with parameters or one of its tensors, one of " + names
                        + ", got " + SpecReader.describe(n));
            } else {
                out.add(name);
            }
        }
        if (!tensors.isEmpty() && tensors.stream().allMatch(t -> ModelSpec.freezes(out, t))) {
            r.error("freeze", "freezes every parameter: nothing would be trained");
        }
        return List.copyOf(out);
    }

    /**
     * Collects the names {@code freeze} accepts (modules with parameters, residual blocks and
     * their body's modules, and their tensors) and, separately, the tensors themselves.
     */
    private static void freezableNames(List<ModelSpec.LayerSpec> layers, String prefix, Set<String> names, List<String> tensors) {
        for (int i = 0; i < layers.size(); i++) {
            ModelSpec.LayerSpec l = layers.get(i);
            if (!l.hasParameters()) {
                continue;
            }
            names.add(prefix + i);
            if (l.isResidual()) {
                freezableNames(l.body(), prefix + i + ".body.", names, tensors);
            } else {
                for (String t : l.kind().parameterNames(l.values())) {
                    names.add(prefix + i + "." + t);
                    tensors.add(prefix + i + "." + t);
                }
            }
        }
    }

    private static ModelSpec.RegularizationSpec regularization(SpecReader r, JsonNode g) {
        if (g == null) {
            return ModelSpec.RegularizationSpec.NONE;
        }
        String p = "regularization";
        r.rejectUnknown(g, p, Set.of("l1", "l2", "weight_decay", "exclude"));
        double l1 = r.number(g, "l1", p, 0.0, 0, false, 1e3, false);
        double l2 = r.number(g, "l2", p, 0.0, 0, false, 1e3, false);
        double wd = r.number(g, "weight_decay", p, 0.0, 0, false, 1e3, false);
        Set<String> exclude = new TreeSet<>(ModelSpec.RegularizationSpec.NONE.exclude());
        JsonNode ex = g.get("exclude");
        if (ex != null) {
            exclude.clear();
            if (!ex.isArray()) {
                r.error(p + ".exclude", "must be an array of [bias, norm] (empty: regularize every tensor), got "
                        + SpecReader.describe(ex));
            } else {
                for (int i = 0; i < ex.size(); i++) {
                    String k = ex.get(i).asText();
                    if (!ex.get(i).isTextual() || !(k.equals("bias") || k.equals("norm"))) {
                        r.error(p + ".exclude[" + i + "]", "must be bias or norm, got " + SpecReader.describe(ex.get(i)));
                    }
                    exclude.add(k);
                }
            }
        }
        return new ModelSpec.RegularizationSpec(l1, l2, wd, Set.copyOf(exclude));
    }

    private static ModelSpec.PretrainedSpec pretrained(SpecReader r, JsonNode p, String id) {
        if (p == null) {
            return null;
        }
        String path = "pretrained";
        r.rejectUnknown(p, path, Set.of("model", "file", "strict"));
        String model = r.string(p, "model", path, "", ID_PATTERN, "a model id");
        String file = r.string(p, "file", path, "", null, null);
        if ((model == null || model.isEmpty()) == (file == null || file.isEmpty())) {
            r.error(path, "must set exactly one of model (a model id whose latest snapshot to start from) or file "
                    + "(a .safetensors snapshot)");
        }
        if (model != null && model.equals(id)) {
            r.error(path + ".model", "names this model itself, which restores its own snapshots anyway; to restart it "
                    + "from a downloaded snapshot use pretrained.file");
        }
        boolean strict = r.bool(p, "strict", path, true);
        return new ModelSpec.PretrainedSpec(model == null || model.isEmpty() ? null : model,
                file == null || file.isEmpty() ? null : file, strict);
    }

    /**
     * Parses an optimizer declaration on its own ({@code {type: adam, lr: ...}}), e.g. for tests
     * and tools that drive an optimizer without a model.
     */
    public static ModelSpec.OptimizerSpec optimizer(JsonNode node) {
        SpecReader r = new SpecReader();
        ModelSpec.OptimizerSpec o = OptimizerSpecs.parse(r, node);
        if (!r.errors().isEmpty() || o == null) {
            throw new SpecException(r.errors().isEmpty() ? List.of("optimizer is required") : r.errors());
        }
        return o;
    }

    /** The spec as canonical JSON text (what snapshots and the REST API carry). */
    public static String toJson(ModelSpec spec) {
        try {
            return JSON.writeValueAsString(spec.source());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
