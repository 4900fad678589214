package io.streamfit.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamfit.train.PrequentialWindow;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The prequential window's batches in a snapshot's metadata, key {@value #KEY}: JSON
 * {@code {"loss_sum": ["0.6931471805599453", ...], "correct": [...], "judged": [...],
 * "examples": [...]}}, one element per batch, oldest first. Loss sums are Java's shortest exact
 * decimal strings (infinity and NaN included), so they read back bitwise; the counts are
 * non-negative integers. A restored window therefore equals the one that was saved, entry by
 * entry and in order, and after a restart reports exactly what an uninterrupted run reports.
 *
 * <p>Snapshots written before this key existed carry only the window's sums
 * ({@code prequential_window}); they are read as before, as one entry.
 */
final class WindowMetadata {
    static final String KEY = "prequential_window_batches";
    /** The window's sums: all that snapshots from before {@link #KEY} carry. */
    static final String SUMS_KEY = "prequential_window";
    private static final ObjectMapper JSON = new ObjectMapper();

    private WindowMetadata() {}

    /** The window's sums ({@code prequential_window}, for people reading the metadata) and its batches. */
    static void write(PrequentialWindow w, Map<String, String> meta) {
        PrequentialWindow.Totals t = w.totals();
        meta.put(SUMS_KEY, JSON.createObjectNode().put("loss_sum", t.lossSum()).put("correct", t.correct())
                .put("judged", t.judged()).put("examples", t.examples()).put("batches", t.batches()).toString());
        meta.put(KEY, toJson(w));
    }

    /** Puts the saved window back: its batches, or for an older snapshot its sums as one entry. */
    static void restore(PrequentialWindow w, Map<String, String> meta) throws SnapshotFormatException {
        if (meta.containsKey(KEY)) {
            w.restore(parse(meta.get(KEY)));
        } else {
            restoreSums(w, meta.get(SUMS_KEY));
        }
    }

    private static void restoreSums(PrequentialWindow w, String json) throws SnapshotFormatException {
        if (json == null) {
            return;
        }
        try {
            JsonNode n = JSON.readTree(json);
            long examples = SnapshotCodec.exactLong(n.get("examples"));
            if (examples > 0) {
                w.add(n.get("loss_sum").asDouble(), SnapshotCodec.exactLong(n.get("correct")),
                        SnapshotCodec.exactLong(n.get("judged")), examples);
            }
        } catch (Exception e) {
            throw new SnapshotFormatException("metadata " + SUMS_KEY + " is not valid: " + json);
        }
    }

    static String toJson(PrequentialWindow w) {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode loss = n.putArray("loss_sum");
        ArrayNode correct = n.putArray("correct");
        ArrayNode judged = n.putArray("judged");
        ArrayNode examples = n.putArray("examples");
        for (PrequentialWindow.Entry e : w.entries()) {
            loss.add(Double.toString(e.lossSum()));
            correct.add(e.correct());
            judged.add(e.judged());
            examples.add(e.examples());
        }
        return n.toString();
    }

    /** The entries, oldest first; refuses anything but the shape {@link #toJson} writes. */
    static List<PrequentialWindow.Entry> parse(String json) throws SnapshotFormatException {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (IOException e) {
            throw invalid("not JSON");
        }
        JsonNode loss = n == null ? null : n.get("loss_sum");
        JsonNode correct = n == null ? null : n.get("correct");
        JsonNode judged = n == null ? null : n.get("judged");
        JsonNode examples = n == null ? null : n.get("examples");
        if (loss == null || !loss.isArray() || !sameLength(loss, correct) || !sameLength(loss, judged)
                || !sameLength(loss, examples)) {
            throw invalid("needs arrays loss_sum, correct, judged and examples of one length");
        }
        List<PrequentialWindow.Entry> out = new ArrayList<>(loss.size());
        for (int i = 0; i < loss.size(); i++) {
            if (!loss.get(i).isTextual()) {
                throw invalid("loss_sum[" + i + "] is not a decimal string");
            }
            double l;
            try {
                l = Double.parseDouble(loss.get(i).textValue());
            } catch (NumberFormatException e) {
                throw invalid("loss_sum[" + i + "] is not a number");
            }
            out.add(new PrequentialWindow.Entry(l, count(correct, "correct", i), count(judged, "judged", i),
                    count(examples, "examples", i)));
        }
        return out;
    }

    private static boolean sameLength(JsonNode a, JsonNode b) {
        return b != null && b.isArray() && b.size() == a.size();
    }

    private static long count(JsonNode array, String name, int i) throws SnapshotFormatException {
        JsonNode v = array.get(i);
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw invalid(name + "[" + i + "] is not a non-negative 64-bit integer");
        }
        return v.longValue();
    }

    private static SnapshotFormatException invalid(String why) {
        return new SnapshotFormatException("metadata " + KEY + " is not valid: " + why);
    }
}
