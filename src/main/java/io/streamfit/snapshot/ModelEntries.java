package io.streamfit.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.streamfit.nn.ParamTensor;
import io.streamfit.optim.Optimizer;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.EarlyStopping;
import io.streamfit.train.ModelState;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One model's entries in a snapshot, every name under a prefix: its tensors (parameters,
 * normalization buffers, {@code optimizer.<param>.<state>}, a replay reservoir) and its metadata
 * (optimizer, counters, generator, prequential window, divergence guard, early stopping, drift,
 * schedule state, spec). {@link SnapshotCodec} writes and reads a file's own model with the prefix
 * {@code ""}; a search's snapshot ({@link SearchSnapshots}) every other live trial under
 * {@code trial.<n>.}. What is file-wide (format, version, lineage, checksum) is the codec's.
 */
final class ModelEntries {
    private ModelEntries() {}

    /** One model's tensors and metadata entries, each name with {@code prefix} in front. */
    static void write(ModelState state, String prefix, List<Safetensors.Tensor> tensors, Map<String, String> meta) {
        FloatBuffer params = state.network().params().data().asNioFloat();
        for (ParamTensor t : state.network().tensors()) {
            tensors.add(new Safetensors.Tensor(prefix + t.name(), t.shape(), slice(params, t)));
        }
        FloatBuffer buffers = state.network().buffers().data().asNioFloat();
        for (ParamTensor t : state.network().bufferTensors()) {
            tensors.add(new Safetensors.Tensor(prefix + t.name(), t.shape(), slice(buffers, t)));
        }
        Optimizer opt = state.optimizer();
        for (String s : opt.stateNames()) {
            FloatBuffer buffer = FloatBuffer.wrap(opt.state(s));
            for (ParamTensor t : state.network().tensors()) {
                tensors.add(new Safetensors.Tensor(prefix + "optimizer." + t.name() + "." + s, t.shape(), slice(buffer, t)));
            }
        }
        Map<String, String> own = new LinkedHashMap<>();
        ReplayMetadata.write(state, prefix, tensors, own);
        own.put("optimizer", opt.type());
        own.put("optimizer_steps", Long.toString(opt.steps()));
        own.put("schedule", state.schedule().type());
        own.put("schedule_position", Long.toString(state.schedulePosition()));
        own.put("rng_state", Long.toString(state.rng().state()));
        own.put("examples_seen", Long.toString(state.examplesSeen()));
        own.put("skipped_steps", Long.toString(state.skippedSteps()));
        own.put("clipped_steps", Long.toString(state.clippedSteps()));
        own.put("prequential_loss", Double.toString(state.window().loss()));
        own.put("prequential_accuracy", Double.toString(state.window().accuracy()));
        WindowMetadata.write(state.window(), own);
        own.put("lr_scale", Double.toString(state.lrScale()));
        own.put("divergence_rollbacks", Long.toString(state.divergenceRollbacks()));
        own.put("divergence_rollbacks_in_a_row", Integer.toString(state.rollbacksInARow()));
        own.put("divergence_trouble_at", Long.toString(state.troubleAt()));
        if (state.earlyStopping() != null) {
            own.put("early_stopping", earlyStoppingJson(state.earlyStopping()));
            own.put("validation_loss", Double.toString(state.earlyStopping().lastLoss()));
            own.put("best_validation_loss", Double.toString(state.earlyStopping().taggedLoss()));
        }
        DriftMetadata.write(state, own);
        ScheduleMetadata.write(state, own);
        own.put("spec", SpecParser.toJson(state.spec()));
        own.forEach((k, v) -> meta.put(prefix + k, v));
    }

    private static FloatBuffer slice(FloatBuffer flat, ParamTensor t) {
        FloatBuffer d = flat.duplicate();
        d.position(Math.toIntExact(t.offset()));
        return d.slice();
    }

    /** The model whose tensors and metadata entries are named with {@code prefix} in front. */
    static ModelState read(Safetensors.Contents c, Map<String, String> fileMeta, String prefix, ModelSpec spec)
            throws SnapshotFormatException {
        Map<String, String> meta = fileMeta;
        if (!prefix.isEmpty()) {
            meta = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : fileMeta.entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    meta.put(e.getKey().substring(prefix.length()), e.getValue());
                }
            }
        }
        ModelState state = ModelState.forRestore(spec);
        FloatBuffer params = state.network().params().data().asNioFloat();
        for (ParamTensor t : state.network().tensors()) {
            copy(c, prefix + t.name(), t, params);
        }
        FloatBuffer buffers = state.network().buffers().data().asNioFloat();
        for (ParamTensor t : state.network().bufferTensors()) {
            copy(c, prefix + t.name(), t, buffers);
        }
        restoreOptimizer(c, meta, prefix, state);
        DriftMetadata.restore(state, meta, prefix);
        ScheduleMetadata.restore(state, meta, prefix);
        ReplayMetadata.restore(state, c, meta, prefix);
        state.rng().setState(longMeta(meta, prefix, "rng_state"));
        state.restoreCounters(longMeta(meta, prefix, "examples_seen"), longMeta(meta, prefix, "skipped_steps"),
                longMeta(meta, prefix, "clipped_steps"));
        WindowMetadata.restore(state.window(), meta);
        if (meta.containsKey("lr_scale")) { // absent in snapshots from before the divergence guard
            double scale = Double.parseDouble(meta.get("lr_scale"));
            if (!(scale > 0 && scale <= 1)) {
                throw new SnapshotFormatException("metadata " + prefix + "lr_scale must be in (0, 1], got " + scale);
            }
            state.restoreDivergence(scale, longMeta(meta, prefix, "divergence_rollbacks"),
                    Math.toIntExact(longMeta(meta, prefix, "divergence_rollbacks_in_a_row")),
                    longMeta(meta, prefix, "divergence_trouble_at"));
        }
        if (state.earlyStopping() != null && meta.containsKey("early_stopping")) {
            // A snapshot from before early stopping was switched on has none: it starts afresh.
            state.earlyStopping().restore(earlyStopping(meta.get("early_stopping")));
        }
        return state;
    }

    /**
     * Copies the optimizer's state tensors and step count when the snapshot's optimizer is the
     * same type and has every state tensor; returns the names copied (none otherwise). A
     * different optimizer, or one with other state (momentum turned on, AMSGrad added), starts
     * its state and the schedule afresh: Adam resumed with zero moments but an old step count
     * would take steps ~3x too large.
     */
    static List<String> restoreOptimizer(Safetensors.Contents c, Map<String, String> meta, String prefix,
            ModelState state) throws SnapshotFormatException {
        Optimizer opt = state.optimizer();
        List<String> names = new ArrayList<>();
        for (String s : opt.stateNames()) {
            for (ParamTensor t : state.network().tensors()) {
                names.add(prefix + "optimizer." + t.name() + "." + s);
            }
        }
        if (!opt.type().equals(meta.get("optimizer")) || !c.tensors().keySet().containsAll(names)) {
            return List.of();
        }
        for (String s : opt.stateNames()) {
            FloatBuffer buffer = FloatBuffer.wrap(opt.state(s));
            for (ParamTensor t : state.network().tensors()) {
                copy(c, prefix + "optimizer." + t.name() + "." + s, t, buffer);
            }
        }
        opt.restoreSteps(longMeta(meta, prefix, "optimizer_steps"));
        DriftMetadata.restoreOrigin(opt, meta, prefix);
        return names;
    }

    static void copy(Safetensors.Contents c, String name, ParamTensor t, FloatBuffer target)
            throws SnapshotFormatException {
        Safetensors.Tensor src = c.tensors().get(name);
        if (src == null) {
            throw new SnapshotFormatException(
                    "snapshot lacks tensor " + name + ": the spec's architecture differs from the snapshot's");
        }
        if (!Arrays.equals(src.shape(), t.shape())) {
            throw new SnapshotFormatException("tensor " + name + " is " + Arrays.toString(src.shape())
                    + " in the snapshot but " + Arrays.toString(t.shape()) + " in the spec");
        }
        FloatBuffer dst = target.duplicate();
        dst.position(Math.toIntExact(t.offset()));
        dst.put(src.data().duplicate());
    }

    /** An integer entry of {@code meta} (a model's entries, {@code prefix} stripped: named with it in errors). */
    static long longMeta(Map<String, String> meta, String prefix, String key) throws SnapshotFormatException {
        try {
            return Long.parseLong(meta.get(key));
        } catch (NumberFormatException e) {
            throw new SnapshotFormatException("metadata " + prefix + key + " is missing or not an integer: " + meta.get(key));
        }
    }

    /** Early stopping's whole state; doubles as Java's exact decimal strings (infinity and NaN included). */
    static String earlyStoppingJson(EarlyStopping e) {
        try {
            return SnapshotCodec.SNAKE_JSON.writeValueAsString(e.state());
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static EarlyStopping.State earlyStopping(String json) throws SnapshotFormatException {
        try {
            return SnapshotCodec.SNAKE_JSON.readValue(json, EarlyStopping.State.class);
        } catch (Exception e) {
            throw new SnapshotFormatException("metadata early_stopping is not valid: " + json);
        }
    }
}
