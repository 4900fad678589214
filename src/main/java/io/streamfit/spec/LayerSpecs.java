package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperValues;
import io.streamfit.nn.LayerKind;
import io.streamfit.nn.Layers;
import io.streamfit.nn.RecurrentKinds;
import io.streamfit.nn.Residual;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code layers} of a spec: each layer's type and options with PyTorch's names and defaults,
 * residual blocks with their bodies, the widths from the input to the task's outputs, and the
 * parameters they declare (within {@link SpecParser#MAX_PARAMETERS}).
 */
final class LayerSpecs {
    /** Gram-Schmidt work (k^2 n for a k x n matrix, k <= n) the orthogonal initializer may do: about a second. */
    static final double MAX_ORTHOGONAL_WORK = 1e10;
    private static final Set<String> TYPES = Set.copyOf(Layers.names());

    private LayerSpecs() {}

    /** The spec's {@code layers}, from {@code inputWidth} to the task's width, within the parameter limit. */
    static List<ModelSpec.LayerSpec> parse(SpecReader r, JsonNode root, int inputWidth, ModelSpec.Task task,
            ModelSpec.SequenceSpec sequence) {
        JsonNode arr = root.get("layers");
        if (arr == null || !arr.isArray() || arr.isEmpty()) {
            r.error("layers", arr == null ? "is required" : "must be a non-empty array of layers");
            return new ArrayList<>();
        }
        long[] params = {0};
        LayerList parsed = layerList(r, arr, "layers", inputWidth, params, 0, sequence);
        if (params[0] > SpecParser.MAX_PARAMETERS) {
            r.error("layers", "declare " + params[0] + " parameters, more than the limit of " + SpecParser.MAX_PARAMETERS);
        }
        if (r.errors().isEmpty() && task.width() > 0 && parsed.width() != task.width()) {
            r.error("layers",
                    "end with width " + parsed.width() + " but task " + (task.type() == ModelSpec.TaskType.CLASSIFICATION
                            ? "classes"
                            : "outputs") + " is " + task.width() + ": the last dense layer must have that many units");
        }
        return parsed.layers();
    }

    private record LayerList(List<ModelSpec.LayerSpec> layers, long width) {}

    /**
     * Parses one chain of layers (the model's, or a residual block's body at {@code prefix})
     * starting at {@code width}; adds the parameters it declares to {@code params[0]}. Nothing
     * here is specific to one kind of layer: each is read as its {@link LayerKind} declares.
     */
    private static LayerList layerList(SpecReader r, JsonNode arr, String prefix, long width, long[] params, int depth,
            ModelSpec.SequenceSpec sequence) {
        List<ModelSpec.LayerSpec> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            String path = prefix + "[" + i + "]";
            JsonNode l = arr.get(i);
            if (!l.isObject()) {
                r.error(path, "must be an object like {type: dense, units: 64}, got " + SpecReader.describe(l));
                continue;
            }
            String type = r.choice(l, "type", path, null, TYPES);
            if (type == null) {
                continue;
            }
            LayerKind kind = Layers.named(type);
            Set<String> known = new HashSet<>(Set.of("type"));
            kind.options().forEach(o -> known.add(o.name()));
            tensorNames(kind, l).forEach(t -> known.add(t + "_init"));
            if (kind.role() == LayerKind.Role.CONTAINER) {
                known.add("layers");
            }
            r.rejectUnknown(l, path, known);
            Map<String, Object> options = new LinkedHashMap<>();
            for (HyperParameter o : kind.options()) {
                options.put(o.name(), r.hyper(l, path, o, options, 0));
            }
            if (kind.role() == LayerKind.Role.RECURRENT && sequence != null) {
                inputSize(r, path, options, sequence);
            }
            HyperValues values = HyperValues.of(options);
            List<long[]> shapes = kind.sizing().parameterShapes(width, values);
            Map<String, ModelSpec.InitSpec> init = inits(r, l, path, kind.parameterNames(values), shapes);
            if (kind.limits().limitsWidth() && width > kind.limits().maxInputWidth()) {
                r.error(path, type + " works on inputs up to " + kind.limits().maxInputWidth() + " wide ("
                        + kind.limits().widthReason() + "), got " + width + "; " + kind.limits().widthAlternative());
            }
            List<ModelSpec.LayerSpec> body = List.of();
            if (kind.role() == LayerKind.Role.CONTAINER) {
                LayerList b = body(r, l, path, width, params, depth);
                if (b == null) {
                    continue;
                }
                body = b.layers();
            }
            params[0] += kind.parameterCount(width, values);
            out.add(new ModelSpec.LayerSpec(kind, (int) width, options, init, body));
            width = kind.sizing().outWidth(width, values);
        }
        return new LayerList(out, width);
    }

    /** The tensors a layer entry may give {@code <name>_init} for, read before its options are checked. */
    private static List<String> tensorNames(LayerKind kind, JsonNode l) {
        if (kind.role() != LayerKind.Role.RECURRENT) {
            return kind.parameters();
        }
        int layers = Math.max(1, Math.min(l.path("num_layers").asInt(1), RecurrentKinds.MAX_LAYERS));
        return kind.parameterNames(HyperValues.of(Map.of("num_layers", (long) layers, "bidirectional",
                l.path("bidirectional").asBoolean(false))));
    }

    /** A recurrent layer's {@code input_size}: the sequence's features, which a spec need not repeat. */
    private static void inputSize(SpecReader r, String path, Map<String, Object> options, ModelSpec.SequenceSpec sequence) {
        long given = (Long) options.get("input_size");
        if (given != 0 && given != sequence.features()) {
            r.error(path + ".input_size", "must be the sequence's features (" + sequence.features() + ") or be left out, got "
                    + given);
        }
        options.put("input_size", (long) sequence.features());
    }

    /** A container's body, which must end at its input's width; null when it is not there or too deep. */
    private static LayerList body(SpecReader r, JsonNode l, String path, long width, long[] params, int depth) {
        JsonNode inner = l.get("layers");
        if (depth >= Residual.MAX_DEPTH) {
            r.error(path, "nests residual blocks more than " + Residual.MAX_DEPTH + " deep");
            return null;
        }
        if (inner == null || !inner.isArray() || inner.isEmpty()) {
            r.error(path + ".layers", inner == null ? "is required: the block's body, a list of layers"
                    : inner.isArray() ? "is empty: the block's body needs at least one layer"
                            : "must be the block's body, a list of layers, got " + SpecReader.describe(inner));
            return null;
        }
        int before = r.errors().size();
        LayerList b = layerList(r, inner, path + ".layers", width, params, depth + 1, null);
        if (r.errors().size() == before && b.width() != width) {
            r.error(path + ".layers", "end with width " + b.width() + " but a residual block adds its body's "
                    + "output to its input, so the body must end with width " + width);
        }
        return b;
    }

    /**
     * {@code <tensor>_init} for each of a layer's parameter tensors ({@code weight_init},
     * {@code bias_init}), refusing an orthogonal start that would take minutes to compute.
     */
    private static Map<String, ModelSpec.InitSpec> inits(SpecReader r, JsonNode l, String path, List<String> tensors,
            List<long[]> shapes) {
        Map<String, ModelSpec.InitSpec> out = new LinkedHashMap<>();
        for (int t = 0; t < tensors.size(); t++) {
            String name = tensors.get(t);
            ModelSpec.InitSpec init = InitSpecs.parse(r, l.get(name + "_init"), path + "." + name + "_init",
                    shapes.get(t).length == 2);
            if (init != null) {
                out.put(name, init);
            }
        }
        for (int t = 0; t < tensors.size(); t++) {
            long[] shape = shapes.get(t);
            ModelSpec.InitSpec init = out.get(tensors.get(t));
            if (init != null && init.type().equals("orthogonal") && shape.length == 2) {
                long k = Math.min(shape[0], shape[1]);
                if ((double) k * k * Math.max(shape[0], shape[1]) > MAX_ORTHOGONAL_WORK) {
                    r.error(path + "." + tensors.get(t) + "_init", "orthogonal on a " + shape[0] + "x" + shape[1]
                            + " weight would take minutes to orthonormalize at start-up; use it on layers up to about 2000x2000");
                }
            }
        }
        return out;
    }
}
