package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
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
    private static final double MAX_ORTHOGONAL_WORK = 1e10;
    private static final Set<String> LAYER_TYPES = Set.of("dense", "relu", "tanh", "sigmoid", "gelu", "layer_norm", "batch_norm",
            "dropout", "standardize", "min_max_scale", "gaussian_noise", "residual", "pca_whiten");
    /**
     * Widest input pca_whiten accepts: a refresh (Jacobi, width^3 per sweep) stalls the training
     * thread for 80-130 ms at 128 here, 1.2 s at 256.
     */
    static final int MAX_WHITEN_WIDTH = 128;
    /** Residual blocks inside residual blocks deeper than this are refused (and keep recursion shallow). */
    private static final int MAX_RESIDUAL_DEPTH = 4;

    private LayerSpecs() {}

    /** The spec's {@code layers}, from {@code inputWidth} to the task's width, within the parameter limit. */
    static List<ModelSpec.LayerSpec> parse(SpecReader r, JsonNode root, int inputWidth, ModelSpec.Task task) {
        JsonNode arr = root.get("layers");
        if (arr == null || !arr.isArray() || arr.isEmpty()) {
            r.error("layers", arr == null ? "is required" : "must be a non-empty array of layers");
            return new ArrayList<>();
        }
        long[] params = {0};
        LayerList parsed = layerList(r, arr, "layers", inputWidth, params, 0);
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
     * starting at {@code width}; adds the parameters it declares to {@code params[0]}.
     */
    private static LayerList layerList(SpecReader r, JsonNode arr, String prefix, long width, long[] params, int depth) {
        List<ModelSpec.LayerSpec> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            String path = prefix + "[" + i + "]";
            JsonNode l = arr.get(i);
            if (!l.isObject()) {
                r.error(path, "must be an object like {type: dense, units: 64}, got " + SpecReader.describe(l));
                continue;
            }
            String type = r.choice(l, "type", path, null, LAYER_TYPES);
            if (type == null) {
                continue;
            }
            switch (type) {
                case "dense" -> {
                    r.rejectUnknown(l, path, Set.of("type", "units", "weight_init", "bias_init"));
                    int units = r.integer(l, "units", path, null, 1, SpecParser.MAX_WIDTH).intValue();
                    params[0] += width * Math.max(units, 0) + Math.max(units, 0);
                    Map<String, ModelSpec.InitSpec> init = inits(r, l, path, true);
                    long k = Math.min(width, units);
                    if (init.containsKey("weight") && init.get("weight").type().equals("orthogonal")
                            && (double) k * k * Math.max(width, units) > MAX_ORTHOGONAL_WORK) {
                        r.error(path + ".weight_init", "orthogonal on a " + units + "x" + width + " weight would take minutes "
                                + "to orthonormalize at start-up; use it on layers up to about 2000x2000");
                    }
                    width = units;
                    out.add(new ModelSpec.LayerSpec(type, units, 0, 0, 0, 0, init));
                }
                case "layer_norm" -> {
                    r.rejectUnknown(l, path, Set.of("type", "eps", "weight_init", "bias_init"));
                    double eps = r.number(l, "eps", path, 1e-5, 0, true, 1, false);
                    params[0] += 2 * width;
                    out.add(new ModelSpec.LayerSpec(type, (int) width, eps, 0, 0, 0, inits(r, l, path, false)));
                }
                case "batch_norm" -> {
                    r.rejectUnknown(l, path, Set.of("type", "eps", "momentum", "weight_init", "bias_init"));
                    double eps = r.number(l, "eps", path, 1e-5, 0, true, 1, false);
                    double momentum = r.number(l, "momentum", path, 0.1, 0, true, 1, false);
                    params[0] += 2 * width;
                    out.add(new ModelSpec.LayerSpec(type, (int) width, eps, 0, momentum, 0, inits(r, l, path, false)));
                }
                case "standardize" -> {
                    r.rejectUnknown(l, path, Set.of("type", "eps", "freeze_after"));
                    double eps = r.number(l, "eps", path, 1e-8, 0, true, 1, false);
                    long freezeAfter = r.integer(l, "freeze_after", path, 0L, 0, Long.MAX_VALUE / 2);
                    out.add(new ModelSpec.LayerSpec(type, (int) width, eps, 0, 0, freezeAfter, Map.of()));
                }
                case "pca_whiten" -> {
                    r.rejectUnknown(l, path, Set.of("type", "eps", "zca", "refresh_every", "freeze_after"));
                    double eps = r.number(l, "eps", path, 1e-5, 0, true, 1e6, false);
                    boolean zca = r.bool(l, "zca", path, false);
                    long refresh = r.integer(l, "refresh_every", path, 10_000L, 1, Long.MAX_VALUE / 2);
                    long freezeAfter = r.integer(l, "freeze_after", path, 0L, 0, Long.MAX_VALUE / 2);
                    if (width > MAX_WHITEN_WIDTH) {
                        r.error(path, "pca_whiten works on inputs up to " + MAX_WHITEN_WIDTH + " wide (its covariance is "
                                + "width x width and each refresh costs width^3), got " + width + "; use standardize");
                    }
                    out.add(new ModelSpec.LayerSpec(type, (int) width, eps, 0, 0, freezeAfter, Map.of(), List.of(),
                            new ModelSpec.WhitenSpec(zca, refresh)));
                }
                case "min_max_scale" -> {
                    r.rejectUnknown(l, path, Set.of("type", "freeze_after"));
                    long freezeAfter = r.integer(l, "freeze_after", path, 0L, 0, Long.MAX_VALUE / 2);
                    out.add(new ModelSpec.LayerSpec(type, (int) width, 0, 0, 0, freezeAfter, Map.of()));
                }
                case "gaussian_noise" -> {
                    r.rejectUnknown(l, path, Set.of("type", "std"));
                    double std = r.number(l, "std", path, null, 0, false, 1e6, false);
                    out.add(new ModelSpec.LayerSpec(type, (int) width, 0, std, 0, 0, Map.of()));
                }
                case "dropout" -> {
                    r.rejectUnknown(l, path, Set.of("type", "p"));
                    double p = r.number(l, "p", path, 0.5, 0, false, 1, true);
                    out.add(new ModelSpec.LayerSpec(type, (int) width, 0, p, 0, 0, Map.of()));
                }
                case "residual" -> {
                    r.rejectUnknown(l, path, Set.of("type", "layers"));
                    JsonNode inner = l.get("layers");
                    if (depth >= MAX_RESIDUAL_DEPTH) {
                        r.error(path, "nests residual blocks more than " + MAX_RESIDUAL_DEPTH + " deep");
                    } else if (inner == null || !inner.isArray() || inner.isEmpty()) {
                        r.error(path + ".layers", inner == null ? "is required: the block's body, a list of layers"
                                : inner.isArray() ? "is empty: the block's body needs at least one layer"
                                        : "must be the block's body, a list of layers, got " + SpecReader.describe(inner));
                    } else {
                        int before = r.errors().size();
                        LayerList b = layerList(r, inner, path + ".layers", width, params, depth + 1);
                        if (r.errors().size() == before && b.width() != width) {
                            r.error(path + ".layers", "end with width " + b.width() + " but a residual block adds its body's "
                                    + "output to its input, so the body must end with width " + width);
                        }
                        out.add(new ModelSpec.LayerSpec(type, (int) width, 0, 0, 0, 0, Map.of(), b.layers(), null));
                    }
                }
                default -> {
                    r.rejectUnknown(l, path, Set.of("type"));
                    out.add(new ModelSpec.LayerSpec(type, (int) width, 0, 0, 0, 0, Map.of()));
                }
            }
        }
        return new LayerList(out, width);
    }

    /** {@code weight_init} and {@code bias_init} of a layer with parameters. */
    private static Map<String, ModelSpec.InitSpec> inits(SpecReader r, JsonNode l, String path, boolean weightIsMatrix) {
        Map<String, ModelSpec.InitSpec> out = new LinkedHashMap<>();
        ModelSpec.InitSpec w = InitSpecs.parse(r, l.get("weight_init"), path + ".weight_init", weightIsMatrix);
        ModelSpec.InitSpec b = InitSpecs.parse(r, l.get("bias_init"), path + ".bias_init", false);
        if (w != null) {
            out.put("weight", w);
        }
        if (b != null) {
            out.put("bias", b);
        }
        return out;
    }
}
