package io.streamfit.service;

import io.streamfit.data.RejectedRecordException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last hour of one model, one {@link Sample} a second, for the console's curves (served by
 * {@code GET /models/{id}/history}). Prometheus keeps the long history; this ring is what a user
 * without it sees, and it costs about 200 bytes a second per model ({@link #CAPACITY_SECONDS}
 * samples at most, about 700 KiB).
 *
 * <p>Counters (steps, examples, clipped and skipped steps, dead letters, drift alarms) are stored
 * as the running totals the model reports and served as what happened since the point before
 * (one second, or the whole gap after a late sample), so a
 * restart of the sampler or a gap (the model restoring) never shows a spike: a total that went
 * down (a rollback replays records) counts as zero. Thread-safe: {@link HistorySampler} adds,
 * HTTP threads read.
 */
public final class ModelHistory {
    /** How far back the ring reaches, in seconds (and samples). */
    public static final int CAPACITY_SECONDS = 3600;
    private static final RejectedRecordException.Reason[] REASONS = RejectedRecordException.Reason.values();

    /**
     * What the model reported at second {@code t} (epoch seconds): totals since it started, and
     * the figures of its last step. {@code deadLetters} is indexed by {@link RejectedRecordException.Reason#ordinal()}.
     */
    public record Sample(long t, long steps, long examples, double loss, double accuracy, double lr, double gradNorm,
            long clipped, long skipped, double lag, long version, long driftAlarms, long lastAlarmStep, long[] deadLetters) {}

    private final ArrayDeque<Sample> ring = new ArrayDeque<>();

    /**
     * Adds a sample; one of the same second as the last replaces it, and one older than the last
     * (the wall clock stepped back) is dropped, so that time only moves forward.
     */
    public synchronized void add(Sample s) {
        if (!ring.isEmpty() && ring.peekLast().t() > s.t()) {
            return;
        }
        if (!ring.isEmpty() && ring.peekLast().t() == s.t()) {
            ring.pollLast();
        }
        ring.addLast(s);
        while (ring.size() > CAPACITY_SECONDS || ring.peekFirst().t() <= s.t() - CAPACITY_SECONDS) {
            ring.pollFirst();
        }
    }

    /** Examples a second over the last {@code seconds} seconds, or null without two samples that far apart. */
    public synchronized Double examplesPerSecond(int seconds) {
        if (ring.size() < 2) {
            return null;
        }
        Sample last = ring.peekLast();
        Sample first = null;
        for (Iterator<Sample> it = ring.descendingIterator(); it.hasNext();) {
            Sample s = it.next();
            if (s != last) {
                first = s;
            }
            if (s.t() <= last.t() - seconds) {
                break;
            }
        }
        return first == null ? null : Math.max(0, last.examples() - first.examples()) / (double) (last.t() - first.t());
    }

    /**
     * The last {@code seconds} seconds as aligned arrays (see the API in {@code docs/console.md}):
     * {@code t}, gauges as reported ({@code null} where not finite, or where no step ran in that
     * second for the figures of a step), counters as what happened in each second.
     */
    public synchronized Map<String, Object> toMap(String id, int seconds) {
        List<Sample> window = new ArrayList<>();
        Sample before = null;
        long from = ring.isEmpty() ? 0 : ring.peekLast().t() - seconds;
        for (Sample s : ring) {
            if (s.t() > from) {
                window.add(s);
            } else {
                before = s;
            }
        }
        int n = window.size();
        long[] t = new long[n];
        Double[] loss = new Double[n], accuracy = new Double[n], lr = new Double[n], gradNorm = new Double[n];
        Double[] clipFraction = new Double[n], examplesPerSecond = new Double[n], lag = new Double[n];
        long[] skipped = new long[n], steps = new long[n], version = new long[n];
        Map<String, long[]> deadLetters = new LinkedHashMap<>();
        for (RejectedRecordException.Reason r : REASONS) {
            deadLetters.put(r.label(), new long[n]);
        }
        List<Map<String, Object>> alarms = new ArrayList<>();
        Sample prev = before;
        for (int i = 0; i < n; i++) {
            Sample s = window.get(i);
            long dSteps = prev == null ? 0 : Math.max(0, s.steps() - prev.steps());
            t[i] = s.t();
            steps[i] = s.steps();
            version[i] = s.version();
            loss[i] = finite(s.loss());
            accuracy[i] = finite(s.accuracy());
            lr[i] = finite(s.lr());
            lag[i] = finite(s.lag());
            gradNorm[i] = dSteps > 0 ? finite(s.gradNorm()) : null;
            clipFraction[i] = dSteps > 0 ? Math.max(0, s.clipped() - prev.clipped()) / (double) dSteps : null;
            skipped[i] = prev == null ? 0 : Math.max(0, s.skipped() - prev.skipped());
            examplesPerSecond[i] = prev == null ? null
                    : Math.max(0, s.examples() - prev.examples()) / (double) Math.max(1, s.t() - prev.t());
            for (RejectedRecordException.Reason r : REASONS) {
                int k = r.ordinal();
                deadLetters.get(r.label())[i] = prev == null ? 0 : Math.max(0, s.deadLetters()[k] - prev.deadLetters()[k]);
            }
            if (prev != null && s.driftAlarms() > prev.driftAlarms()) {
                alarms.add(Map.of("t", s.t(), "step", s.lastAlarmStep()));
            }
            prev = s;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("resolution_seconds", 1);
        m.put("capacity_seconds", CAPACITY_SECONDS);
        m.put("t", t);
        m.put("loss", loss);
        m.put("accuracy", accuracy);
        m.put("learning_rate", lr);
        m.put("grad_norm", gradNorm);
        m.put("clip_fraction", clipFraction);
        m.put("skipped_steps", skipped);
        m.put("examples_per_second", examplesPerSecond);
        m.put("consumer_lag", lag);
        m.put("snapshot_version", version);
        m.put("steps", steps);
        m.put("dead_letters", deadLetters);
        m.put("drift_alarms", alarms);
        return m;
    }

    synchronized int size() {
        return ring.size();
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
