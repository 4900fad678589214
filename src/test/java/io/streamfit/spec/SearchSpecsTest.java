package io.streamfit.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code search} section: read with its defaults, and every bad field refused with its path. */
class SearchSpecsTest {
    private static final String BASE = """
            id: s
            topic: s.in
            input_width: 4
            task: {type: classification, classes: 3}
            layers: [{type: dense, units: {choice: [64, 128, 256]}}, {type: relu}, {type: dense, units: 3}]
            optimizer: {type: adam, lr: {log_uniform: [1.0e-4, 1.0e-1]}}
            batch_size: 8
            """;

    @Test
    void theIssuesExampleIsAPlan() {
        SearchSpecs.Plan p = SearchSpecs.plan(SpecText.read(BASE + """
                search:
                  strategy: successive_halving
                  trials: 16
                  budget: {examples: 200000}
                  eta: 3
                  objective: {metric: prequential_loss, window: 100}
                  seed: 7
                """));
        assertEquals(new SearchSpecs.SearchSpec("successive_halving", 16, 200_000, 3, 4, "prequential_loss", 100, 7, null, 8),
                p.search());
        assertEquals(List.of("layers[0].units", "optimizer.lr"), List.copyOf(p.spaces().keySet()));
        assertFalse(p.base().has("search"), "the base spec is the model's, without the section");
        assertTrue(SearchSpecs.isSearch(SpecText.read(BASE + "search: {strategy: random, trials: 4, budget: {examples: 10}}")));
    }

    @Test
    void defaultsFillTheRest() {
        SearchSpecs.Plan p = SearchSpecs
                .plan(SpecText.read(BASE + "search: {strategy: bayesian, trials: 20, budget: {examples: 1000}}"));
        assertEquals(new SearchSpecs.SearchSpec("bayesian", 20, 1000, 3, 4, "prequential_loss", 100, 0, null, 8), p.search());
    }

    @Test
    void everyBadFieldIsNamed() {
        SpecException e = assertThrows(SpecException.class, () -> SearchSpecs.plan(SpecText.read(BASE + """
                search:
                  strategy: annealing
                  trials: 65
                  budget: {examples: 10}
                  objective: {metric: held_out_loss}
                  colour: blue
                """)));
        assertEquals(List.of(
                "search.colour is not a known field (known: budget, continuous, eta, objective, parallel, seed, strategy, trials)",
                "search.strategy must be one of [bayesian, grid, hyperband, random, successive_halving], got \"annealing\"",
                "search.trials must be <= 64, got 65",
                "search.objective.metric held_out_loss needs early_stopping (its held-out slice)"), e.errors());
    }

    @Test
    void aBudgetSmallerThanTheTrialsAndASpecWithoutSpacesAreRefused() {
        SpecException e = assertThrows(SpecException.class, () -> SearchSpecs.plan(SpecText.read(BASE.replace(
                "units: {choice: [64, 128, 256]}", "units: 64").replace("lr: {log_uniform: [1.0e-4, 1.0e-1]}", "lr: 0.01")
                + "search: {strategy: random, trials: 8, budget: {examples: 4}}")));
        assertEquals(List.of("search.budget.examples must be at least search.trials (8), got 4",
                "search needs at least one search space in the spec (a field written as {choice: [...]}, {uniform: [lo, hi]}, "
                        + "{log_uniform: [lo, hi]} or {int_uniform: [lo, hi]})"),
                e.errors());
    }

    @Test
    void whatTheTrialsShareCannotBeSearched() {
        SpecException e = assertThrows(SpecException.class, () -> SearchSpecs.plan(SpecText.read(BASE.replace("batch_size: 8",
                "batch_size: {choice: [8, 16]}") + "search: {strategy: random, trials: 4, budget: {examples: 100}}")));
        assertEquals(List.of("batch_size cannot be searched: the trials train side by side on the same records and batches, "
                + "so they share [batch_size, dead_letter_topic, early_stopping, id, input_shape, input_width, loss, pretrained, snapshot, task, topic]"),
                e.errors());
    }

    /**
     * The service parses specs with SpecParser: a search parses to its representative spec (each
     * space at its middle value), whose source keeps the whole search, and a bad search is
     * refused with its fields named.
     */
    @Test
    void theServiceParsesASearchToItsRepresentativeSpec() {
        ModelSpec spec = SpecParser.parse(BASE + "search: {strategy: random, trials: 4, budget: {examples: 100}}");
        assertEquals(128, ((Number) spec.layers().get(0).options().get("units")).intValue(), "the middle choice");
        assertEquals(Math.sqrt(1.0e-4 * 1.0e-1), spec.optimizer().lr(), 1e-12, "the middle of a log-uniform space");
        assertTrue(spec.searches());
        assertTrue(SpecParser.toJson(spec).contains("\"search\""), "the source keeps the search");
        assertEquals("random", spec.search().search().strategy());
        SpecException e = assertThrows(SpecException.class,
                () -> SpecParser.parse(BASE + "search: {strategy: randomly, trials: 4, budget: {examples: 100}}"));
        assertTrue(e.errors().get(0).startsWith("search.strategy"), e.errors().toString());
    }

    /** A search's snapshots hold every live trial: the size check counts the most alive at once, each as large as the largest. */
    @Test
    void aSearchSnapshotIsEstimatedForItsLiveTrialsAtTheirLargest() {
        SearchSpecs.Plan p = SpecParser.parse(BASE + "search: {strategy: successive_halving, trials: 9, eta: 3, "
                + "budget: {examples: 9000}}").search();
        assertEquals(10, SearchModels.liveModelsAtMost(p.search()), "9 in the first rung, and room for a closed group's best");
        long largest = SpecParser.parse(SearchSpaces.with(p.base(), Map.of("layers[0].units", 256L, "optimizer.lr", 0.1)))
                .estimatedSnapshotBytes();
        long estimate = SearchModels.estimatedSnapshotBytes(p);
        // Ten of the widest trial (its spec text, in the header, is as long as the longest lr's)
        assertTrue(estimate >= 10 * largest + 8L * 1024 * 9 && estimate < 10 * (largest + 100) + 8L * 1024 * 9,
                estimate + " against " + largest);
    }

    /** Widths each valid alone but over the parameter limit together: the estimate skips that combination instead of refusing the search. */
    @Test
    void theEstimateSkipsCombinationsNoTrialCouldTrain() {
        SearchSpecs.Plan p = SpecParser.parse("""
                id: w
                topic: w.in
                input_width: 4096
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: {choice: [8, 4096]}}, {type: dense, units: {choice: [8, 4096]}},
                         {type: dense, units: {choice: [8, 4096]}}, {type: dense, units: 3}]
                optimizer: {type: sgd, lr: 0.1}
                batch_size: 8
                search: {strategy: random, trials: 2, budget: {examples: 100}}
                """).search();
        long twoWide = SpecParser.parse(SearchSpaces.with(p.base(),
                Map.of("layers[0].units", 4096L, "layers[1].units", 4096L, "layers[2].units", 8L))).estimatedSnapshotBytes();
        assertEquals(3 * twoWide + 8L * 1024 * 2, SearchModels.estimatedSnapshotBytes(p));
    }

    @Test
    void aBudgetThatGivesAStageLessThanOneBatchIsRefused() {
        SpecException e = assertThrows(SpecException.class, () -> SearchSpecs.plan(SpecText.read(BASE
                + "search: {strategy: successive_halving, trials: 27, budget: {examples: 400}}")));
        assertTrue(e.errors().get(0).startsWith("search.budget.examples is too small for 27 successive_halving trials: stage 0"),
                e.errors().toString());
    }

    /** Searches whose scores could not compare, or whose start the search would ignore, are refused. */
    @Test
    void scoresThatCannotCompareAndAPretrainedStartAreRefused() {
        String regression = BASE.replace("task: {type: classification, classes: 3}", "task: {type: regression, outputs: 3}");
        assertTrue(assertThrows(SpecException.class, () -> SearchSpecs.plan(SpecText.read(regression
                + "search: {strategy: random, trials: 4, budget: {examples: 400}, objective: {metric: accuracy}}"))).errors()
                .get(0).startsWith("search.objective.metric accuracy needs a classification or binary task"));
        assertTrue(assertThrows(SpecException.class,
                () -> SearchSpecs.plan(SpecText.read(BASE + "pretrained: {file: w.safetensors}\n"
                        + "search: {strategy: random, trials: 4, budget: {examples: 400}}")))
                .errors().get(0).startsWith("pretrained does not go"));
        assertTrue(assertThrows(SpecException.class, () -> SearchSpecs.plan(SpecText.read(BASE
                + "loss: {type: softmax_cross_entropy, "
                + "label_smoothing: {uniform: [0, 0.2]}}\nsearch: {strategy: random, trials: 4, budget: {examples: 400}}")))
                .errors()
                .get(0).startsWith("loss.label_smoothing cannot be searched"));
        SpecException e = assertThrows(SpecException.class, () -> SearchSpecs.plan(SpecText.read(BASE
                + "early_stopping: {holdout_every: 5, check_batches: 4}\n"
                + "search: {strategy: random, trials: 4, budget: {examples: 400}, objective: {metric: held_out_loss}, "
                + "continuous: {window: 10}}")));
        assertEquals(List.of(
                "search.continuous.window must be at least one early-stopping check with held_out_loss (20 batches), got 10",
                "search.budget.examples is too small for 4 random trials: stage 0 would train 496 examples per trial, less than one "
                        + "early-stopping check (160)")
                .size(), e.errors().size(), e.errors().toString());
    }
}
