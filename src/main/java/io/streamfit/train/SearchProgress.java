package io.streamfit.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamfit.search.Trial;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link SearchRun}'s progress as JSON, and back: everything but the live trials' models, which
 * a snapshot carries as tensors. Doubles are written as JSON numbers (Java's shortest exact
 * decimal, so they read back bitwise) or, when not finite, as the strings {@code "NaN"},
 * {@code "Infinity"}, {@code "-Infinity"}; longs as numbers; the generator's state as a string.
 * A trial's values keep their types: whole numbers as longs, others as doubles, text, booleans.
 */
final class SearchProgress {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private SearchProgress() {}

    static String write(SearchRun run) {
        ObjectNode o = NODES.objectNode();
        o.put("started", run.started);
        o.put("stage", run.stage);
        o.put("stage_examples", run.stageExamples);
        o.put("done", run.done);
        o.put("compute_at_done", run.computeAtDone);
        o.put("round_batches", run.roundBatches);
        o.put("promotions", run.promotions);
        o.put("rng", Long.toString(run.rng.state()));
        o.put("best", run.best == null ? -1 : run.best.number);
        ArrayNode scored = o.putArray("scored");
        for (Trial t : run.scored) {
            scored.addObject().<ObjectNode>set("values", values(t.values())).set("score", number(t.score()));
        }
        ArrayNode trials = o.putArray("trials");
        for (SearchTrial t : run.trials) {
            ObjectNode n = trials.addObject();
            n.put("number", t.number);
            n.set("values", values(t.values));
            n.put("status", t.status.name());
            n.put("live", t.state != null);
            n.put("rung", t.rung);
            n.put("examples", t.examples);
            n.set("held_out", number(t.heldOut));
            n.set("score", number(t.score));
            n.set("pass", tally(t.pass));
            n.set("round", tally(t.round));
            ArrayNode window = n.putArray("window");
            for (PrequentialWindow.Entry e : t.window.entries()) {
                window.addArray().add(number(e.lossSum())).add(e.correct()).add(e.judged()).add(e.examples());
            }
        }
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fills {@code run} (new, with no trials) from {@code json}; returns the numbers of the trials that hold a model. */
    static List<Integer> read(SearchRun run, String json) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("search progress is not JSON: " + e.getOriginalMessage());
        }
        run.started = require(o, "started").asInt();
        run.stage = require(o, "stage").asInt();
        run.stageExamples = require(o, "stage_examples").asLong();
        run.done = require(o, "done").asBoolean();
        run.computeAtDone = require(o, "compute_at_done").asLong();
        run.roundBatches = require(o, "round_batches").asLong();
        run.promotions = require(o, "promotions").asInt();
        run.rng.setState(Long.parseLong(require(o, "rng").asText()));
        for (JsonNode t : require(o, "scored")) {
            run.scored.add(new Trial(values(require(t, "values")), number(require(t, "score"))));
        }
        List<Integer> live = new ArrayList<>();
        int best = require(o, "best").asInt();
        for (JsonNode n : require(o, "trials")) {
            SearchTrial t = run.newTrial(require(n, "number").asInt(), values(require(n, "values")));
            t.status = SearchRun.Status.valueOf(require(n, "status").asText());
            t.rung = require(n, "rung").asInt();
            t.examples = require(n, "examples").asLong();
            t.heldOut = number(require(n, "held_out"));
            t.score = number(require(n, "score"));
            tally(require(n, "pass"), t.pass);
            tally(require(n, "round"), t.round);
            List<PrequentialWindow.Entry> window = new ArrayList<>();
            for (JsonNode e : require(n, "window")) {
                window.add(
                        new PrequentialWindow.Entry(number(e.get(0)), e.get(1).asLong(), e.get(2).asLong(), e.get(3).asLong()));
            }
            t.window.restore(window);
            if (require(n, "live").asBoolean()) {
                live.add(t.number);
            }
            if (t.number == best) {
                run.best = t;
            }
            run.trials.add(t);
        }
        if (best >= 0 && run.best == null) {
            throw new IllegalArgumentException("search progress names best trial " + best + ", which it does not hold");
        }
        return live;
    }

    private static JsonNode require(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException("search progress has no " + field);
        }
        return n;
    }

    private static JsonNode number(double d) {
        return Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(Double.toString(d));
    }

    private static double number(JsonNode n) {
        return n.isTextual() ? Double.parseDouble(n.asText()) : n.asDouble();
    }

    private static ArrayNode tally(SearchTrial.Tally t) {
        return NODES.arrayNode().add(number(t.loss)).add(t.correct).add(t.judged).add(t.examples);
    }

    private static void tally(JsonNode n, SearchTrial.Tally t) {
        t.loss = number(n.get(0));
        t.correct = n.get(1).asLong();
        t.judged = n.get(2).asLong();
        t.examples = n.get(3).asLong();
    }

    private static ObjectNode values(Map<String, Object> values) {
        ObjectNode o = NODES.objectNode();
        new TreeMap<>(values).forEach((k, v) -> { // in key order: the same progress is the same text
            if (v instanceof Long l) {
                o.put(k, l);
            } else if (v instanceof Double d) {
                o.put(k, d);
            } else if (v instanceof Boolean b) {
                o.put(k, b);
            } else {
                o.put(k, String.valueOf(v));
            }
        });
        return o;
    }

    private static Map<String, Object> values(JsonNode o) {
        Map<String, Object> values = new LinkedHashMap<>();
        o.fields().forEachRemaining(f -> {
            JsonNode v = f.getValue();
            values.put(f.getKey(), v.isIntegralNumber() ? (Object) v.asLong()
                    : v.isNumber() ? (Object) v.asDouble() : v.isBoolean() ? (Object) v.asBoolean() : v.asText());
        });
        return values;
    }
}
