package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamfit.search.Space;
import io.streamfit.search.Stages;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A spec that searches: its {@code search} section and the spaces in its fields.
 *
 * <pre>
 * search:
 *   strategy: successive_halving     # grid | random | bayesian | successive_halving | hyperband
 *   trials: 16                       # at most 64: each is a model in memory, and a metric label
 *   budget: {examples: 200000}       # over all trials
 *   eta: 3                           # successive halving and hyperband: keep 1/eta per rung
 *   parallel: 4                      # bayesian: trials per round, proposed from the rounds before
 *   objective: {metric: prequential_loss, window: 100}   # or held_out_loss, accuracy
 *   seed: 7
 *   continuous: {challengers: 1, window: 500, margin: 0.01}   # optional: keep challenging the winner
 * </pre>
 *
 * {@link #plan} checks the section, finds the spaces ({@link SearchSpaces}) and checks them
 * against the rest of the spec; every error names its field, as the spec parser's do.
 */
public final class SearchSpecs {
    /** The most trials a search may run: each is a whole model in memory and a value of a metric label. */
    public static final int MAX_TRIALS = 64;
    static final Set<String> STRATEGIES = Set.of("grid", "random", "bayesian", "successive_halving", "hyperband");
    static final Set<String> METRICS = Set.of("prequential_loss", "held_out_loss", "accuracy");
    /**
     * Fields no space may be on: the trials share one consumer and one decoded batch, so they
     * agree on what the records are and how they are batched, and they are one model's search;
     * and they are scored alike, so they share the loss and the held-out slice.
     */
    static final Set<String> SHARED = Set.of("id", "topic", "input_width", "input_shape", "task", "batch_size", "snapshot",
            "dead_letter_topic", "pretrained", "loss", "early_stopping");

    private SearchSpecs() {}

    /** What the {@code search} section says. */
    public record SearchSpec(String strategy, int trials, long budgetExamples, int eta, int parallel, String metric,
            int window, long seed, Continuous continuous, int batch) {
        /** How the budget is spent: {@link Stages#plan}. */
        public List<Stages.Stage> stages() {
            return Stages.plan(strategy, trials, budgetExamples, eta, Math.min(parallel, trials), batch);
        }
    }

    /**
     * Continuous mode: after the search, rounds of {@code challengers} new trials train beside the
     * winner for {@code window} batches; one replaces the winner when its objective over the round
     * is below the winner's times {@code 1 - margin}.
     */
    public record Continuous(int challengers, int window, double margin) {}

    /** A search: its section, the spec with its spaces still in it (without the section), and the spaces by path. */
    public record Plan(SearchSpec search, JsonNode base, Map<String, Space> spaces) {}

    /** Whether {@code root} is a search: it has a {@code search} section. */
    public static boolean isSearch(JsonNode root) {
        return root != null && root.isObject() && root.has("search");
    }

    /** @throws SpecException naming each bad field of the section, each malformed space, each value a field refuses */
    public static Plan plan(JsonNode root) {
        SpecReader r = new SpecReader();
        JsonNode s = r.object(root, "search", "", true);
        SearchSpec search = null;
        if (s != null) {
            r.rejectUnknown(s, "search",
                    Set.of("strategy", "trials", "budget", "eta", "parallel", "objective", "seed", "continuous"));
            String strategy = r.choice(s, "strategy", "search", null, STRATEGIES);
            Long trials = r.integer(s, "trials", "search", null, 1, MAX_TRIALS);
            JsonNode budget = r.object(s, "budget", "search", true);
            Long examples = null;
            if (budget != null) {
                r.rejectUnknown(budget, "search.budget", Set.of("examples"));
                examples = r.integer(budget, "examples", "search.budget", null, 1, Long.MAX_VALUE);
            }
            Long eta = r.integer(s, "eta", "search", 3L, 2, 16);
            Long parallel = r.integer(s, "parallel", "search", 4L, 1, MAX_TRIALS);
            JsonNode objective = r.object(s, "objective", "search", false);
            String metric = "prequential_loss";
            Long window = 100L;
            if (objective != null) {
                r.rejectUnknown(objective, "search.objective", Set.of("metric", "window"));
                metric = r.choice(objective, "metric", "search.objective", "prequential_loss", METRICS);
                window = r.integer(objective, "window", "search.objective", 100L, 1, 1_000_000);
            }
            Long seed = r.integer(s, "seed", "search", 0L, Long.MIN_VALUE, Long.MAX_VALUE);
            JsonNode c = r.object(s, "continuous", "search", false);
            Continuous continuous = null;
            if (c != null) {
                r.rejectUnknown(c, "search.continuous", Set.of("challengers", "window", "margin"));
                Long challengers = r.integer(c, "challengers", "search.continuous", 1L, 1, 8);
                Long cw = r.integer(c, "window", "search.continuous", 500L, 1, 1_000_000);
                Double margin = r.number(c, "margin", "search.continuous", 0.01, 0, false, 0.5, false);
                if (challengers != null && cw != null && margin != null) {
                    continuous = new Continuous(challengers.intValue(), cw.intValue(), margin);
                }
            }
            if (trials != null && trials <= MAX_TRIALS && examples != null && examples < trials) {
                r.error("search.budget.examples", "must be at least search.trials (" + trials + "), got " + examples);
            }
            if ("held_out_loss".equals(metric) && !root.has("early_stopping")) {
                r.error("search.objective.metric", "held_out_loss needs early_stopping (its held-out slice)");
            }
            JsonNode task = root.path("task").path("type");
            if ("accuracy".equals(metric) && task.isTextual() && task.asText().equals("regression")) {
                r.error("search.objective.metric",
                        "accuracy needs a classification or binary task: a regression has no labels to "
                                + "count, so every trial would score NaN");
            }
            if (root.has("pretrained")) {
                r.error("pretrained", "does not go with a search yet: its trials start from the spec's initializers");
            }
            if (r.errors().isEmpty()) {
                JsonNode batch = root.get("batch_size");
                int batchSize = batch != null && batch.isIntegralNumber() && batch.asInt() >= 1 ? batch.asInt() : 1;
                search = new SearchSpec(strategy, trials.intValue(), examples, eta.intValue(), parallel.intValue(), metric,
                        window.intValue(), seed, continuous, batchSize);
                // A stage must last one batch; with held_out_loss, one validation check (every-th batch held
                // out, check_batches of them), or every score would be NaN.
                long minimum = batchSize;
                String unit = "one batch";
                if ("held_out_loss".equals(metric)) {
                    JsonNode es = root.path("early_stopping");
                    long check = (long) es.path("holdout_every").asInt(10) * es.path("check_batches").asInt(10);
                    minimum = check * batchSize;
                    unit = "one early-stopping check";
                    if (continuous != null && continuous.window() < check) {
                        r.error("search.continuous.window", "must be at least one early-stopping check with held_out_loss ("
                                + check + " batches), got " + continuous.window());
                    }
                }
                List<Stages.Stage> stages = search.stages();
                for (int k = 0; k < stages.size(); k++) {
                    if (stages.get(k).examplesEach() < minimum) {
                        r.error("search.budget.examples", "is too small for " + trials + " " + strategy + " trials: stage " + k
                                + " would train " + stages.get(k).examplesEach() + " examples per trial, less than " + unit + " ("
                                + minimum + ")");
                        break;
                    }
                }
                if (!r.errors().isEmpty()) {
                    search = null;
                }
            }
        }
        List<String> errors = new ArrayList<>(r.errors());
        ObjectNode base = ((ObjectNode) root).deepCopy();
        base.remove("search");
        Map<String, Space> spaces = Map.of();
        try {
            spaces = SearchSpaces.extract(base);
            for (String path : spaces.keySet()) {
                String field = path.split("[.\\[]", 2)[0];
                if (SHARED.contains(field)) {
                    errors.add(path + " cannot be searched: the trials train side by side on the same records and batches, "
                            + "so they share " + new TreeSet<>(SHARED));
                }
            }
            if (spaces.isEmpty()) {
                errors.add(
                        "search needs at least one search space in the spec (a field written as {choice: [...]}, {uniform: [lo, hi]}, "
                                + "{log_uniform: [lo, hi]} or {int_uniform: [lo, hi]})");
            } else {
                SearchSpaces.check(base);
            }
        } catch (SpecException e) {
            errors.addAll(e.errors());
        }
        if (!errors.isEmpty()) {
            throw new SpecException(errors);
        }
        return new Plan(search, base, spaces);
    }
}
