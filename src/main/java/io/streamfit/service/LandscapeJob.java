package io.streamfit.service;

import io.streamfit.stream.HeldOutTap;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One landscape request of {@link LandscapeJobs} and where it stands: capturing, computing, done or failed. */
final class LandscapeJob {
    private final ModelRegistry.Entry entry;
    private final LandscapeJobs.Request request;
    private final boolean gauge;
    private final long stepsAtRequest;
    private final Instant requested = Instant.now();
    private volatile String state = "capturing";
    private volatile String error;
    private volatile Map<String, Object> result;
    private volatile long startedNanos;
    /** The captured rows and parameters, dropped once the job ends (its figures stay). */
    private volatile HeldOutTap.Capture rows;
    private volatile int heldOutRows = -1;
    private volatile long version = -1;
    private volatile long steps = -1;

    LandscapeJob(ModelRegistry.Entry entry, LandscapeJobs.Request request, boolean gauge) {
        this.entry = entry;
        this.request = request;
        this.gauge = gauge;
        this.stepsAtRequest = entry.runner().state() == null ? -1 : entry.runner().state().steps();
    }

    /** The model (this run of it: a model deleted and declared again is another entry). */
    ModelRegistry.Entry entry() {
        return entry;
    }

    long stepsAtRequest() {
        return stepsAtRequest;
    }

    LandscapeJobs.Request request() {
        return request;
    }

    /** A job of the periodic sharpness gauge (not shown by the API). */
    boolean gauge() {
        return gauge;
    }

    String state() {
        return state;
    }

    boolean underWay() {
        return state.equals("capturing") || state.equals("computing");
    }

    /** The rows are in: the job waits for the landscape thread, then computes ("computing" covers both). */
    void captured(HeldOutTap.Capture captured) {
        rows = captured;
        heldOutRows = captured.rows();
        version = captured.version();
        steps = captured.steps();
        state = "computing";
    }

    HeldOutTap.Capture rows() {
        return rows;
    }

    void started() {
        startedNanos = System.nanoTime();
    }

    void done(Map<String, Object> computed) {
        computed.put("seconds", (System.nanoTime() - startedNanos) / 1e9);
        result = computed;
        rows = null;
        state = "done";
    }

    void failed(String why) {
        error = why;
        rows = null;
        state = "failed";
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state);
        m.put("error", error);
        Map<String, Object> r = request.settings().toMap();
        r.put("rows", request.rows());
        r.put("at", requested.toString());
        m.put("requested", r);
        if (heldOutRows >= 0) {
            m.put("held_out_rows", heldOutRows);
            m.put("version", version);
            m.put("steps", steps);
        }
        m.put("result", result);
        return m;
    }
}
