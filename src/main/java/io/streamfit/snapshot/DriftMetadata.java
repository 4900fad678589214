package io.streamfit.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.optim.Optimizer;
import io.streamfit.train.DriftWatch;
import io.streamfit.train.ModelState;
import java.util.Map;

/**
 * What drift alarms changed, in a snapshot's metadata: {@value #ORIGIN_KEY} (the optimizer's step
 * count when a drift alarm last reset its moments; PyTorch's {@code state['step']} is
 * {@code optimizer_steps} minus it; absent when 0) and, for a spec with a {@code drift} section,
 * {@value #KEY}: JSON {@code {"detector": "adwin", "watch": {alarms, last_alarm_step,
 * last_alarm_examples, schedule_origin, boost_until}, "detector_state": {...}}}, the detector's
 * whole state ({@code drift.Adwin.State}, {@code drift.PageHinkley.State}) with doubles as Java's
 * exact decimal strings, so a restored detector raises exactly the alarms the saved one would.
 *
 * <p>A snapshot without {@value #KEY} restores nothing (drift detection was switched on since).
 * The alarms' state is restored whatever the detector; the detector's own only when the spec's is
 * of the same type and its state fits the spec's parameters (a changed detector, or ADWIN's
 * {@code max_buckets} lowered, starts a fresh detector). After the optimizer started afresh, the
 * restart and the boost are dropped ({@link DriftWatch#restore}).
 */
final class DriftMetadata {
    static final String KEY = "drift";
    static final String ORIGIN_KEY = "optimizer_state_origin";
    private static final ObjectMapper JSON = SnapshotCodec.SNAKE_JSON;

    private record Saved(String detector, DriftWatch.State watch, JsonNode detectorState) {}

    private DriftMetadata() {}

    static void write(ModelState state, Map<String, String> own) {
        if (state.optimizer().stateOrigin() != 0) {
            own.put(ORIGIN_KEY, Long.toString(state.optimizer().stateOrigin()));
        }
        DriftWatch d = state.drift();
        if (d == null) {
            return;
        }
        try {
            own.put(KEY, JSON.writeValueAsString(
                    new Saved(d.detector().type(), d.state(), JSON.valueToTree(d.detector().state()))));
        } catch (Exception e) {
            throw new IllegalStateException("drift state not writable", e);
        }
    }

    /** Restores {@value #ORIGIN_KEY} into {@code opt}, whose steps and state buffers the snapshot has just restored. */
    static void restoreOrigin(Optimizer opt, Map<String, String> meta, String prefix) throws SnapshotFormatException {
        String origin = meta.get(ORIGIN_KEY);
        if (origin != null) {
            try {
                opt.restoreStateOrigin(Long.parseLong(origin));
            } catch (IllegalArgumentException e) { // NumberFormatException included
                throw new SnapshotFormatException("metadata " + prefix + ORIGIN_KEY + " is not valid: " + e.getMessage());
            }
        }
    }

    /** Restores the drift watch and its detector into {@code state}, whose optimizer is already restored. */
    static void restore(ModelState state, Map<String, String> meta, String prefix) throws SnapshotFormatException {
        Optimizer opt = state.optimizer();
        DriftWatch d = state.drift();
        String json = meta.get(KEY);
        if (d == null || json == null) {
            return;
        }
        Saved saved;
        try {
            saved = JSON.readValue(json, Saved.class);
            d.restore(saved.watch(), opt.steps());
        } catch (Exception e) {
            throw new SnapshotFormatException("metadata " + prefix + KEY + " is not valid (" + e.getMessage() + "): "
                    + (json.length() > 200 ? json.substring(0, 200) + "..." : json));
        }
        if (!d.detector().type().equals(saved.detector())) {
            return; // the spec's detector changed: it starts afresh
        }
        try {
            d.detector().restore(JSON.treeToValue(saved.detectorState(), d.detector().state().getClass()));
        } catch (IllegalArgumentException e) {
            // The state does not fit the spec's parameters (fewer buckets): a fresh detector.
        } catch (Exception e) {
            throw new SnapshotFormatException("metadata " + prefix + KEY + " is not valid (" + e.getMessage() + "): "
                    + (json.length() > 200 ? json.substring(0, 200) + "..." : json));
        }
    }
}
