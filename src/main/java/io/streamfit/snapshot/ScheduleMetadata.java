package io.streamfit.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.schedule.MetricSchedule;
import io.streamfit.train.ModelState;
import java.util.Map;

/**
 * The state of a schedule that reads the loss ({@code plateau}), in a snapshot's metadata under
 * {@value #KEY}: JSON of its state record ({@code schedule.ReduceLrOnPlateau.State}: the rate, the
 * best metric, the counters, the current period's sums), doubles as Java's exact decimal strings.
 * A snapshot without it (the schedule was another) starts the schedule afresh.
 */
final class ScheduleMetadata {
    static final String KEY = "schedule_state";
    private static final ObjectMapper JSON = SnapshotCodec.SNAKE_JSON;

    private ScheduleMetadata() {}

    static void write(ModelState state, Map<String, String> own) {
        MetricSchedule m = state.metricSchedule();
        if (m == null) {
            return;
        }
        try {
            own.put(KEY, JSON.writeValueAsString(m.state()));
        } catch (Exception e) {
            throw new IllegalStateException("schedule state not writable", e);
        }
    }

    static void restore(ModelState state, Map<String, String> meta, String prefix) throws SnapshotFormatException {
        MetricSchedule m = state.metricSchedule();
        String json = meta.get(KEY);
        if (m == null || json == null || !state.schedule().type().equals(meta.get("schedule"))) {
            return;
        }
        try {
            m.restore(JSON.readValue(json, m.state().getClass()));
        } catch (Exception e) {
            throw new SnapshotFormatException("metadata " + prefix + KEY + " is not valid (" + e.getMessage() + "): "
                    + (json.length() > 200 ? json.substring(0, 200) + "..." : json));
        }
    }
}
