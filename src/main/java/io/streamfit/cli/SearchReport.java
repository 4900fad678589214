package io.streamfit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamfit.search.Stages;
import io.streamfit.spec.SearchSpecs;
import io.streamfit.spec.SpecException;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchBoard;
import io.streamfit.train.SearchRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The search side of {@code train --search}: it starts the search from the spec, picks the winner
 * when the data ends, and reports the plan, the compute, the winner and the leaderboard.
 */
final class SearchReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Rows printed to the standard error; the --metrics file has them all. */
    private static final int PRINTED_ROWS = 10;

    private SearchReport() {}

    /**
     * The search the spec describes, or null for a spec without a search section.
     *
     * @param conflict an option that does not go with --search, or null
     */
    static SearchRun start(JsonNode root, boolean search, Path spec, String conflict) throws TrainCommand.Failure {
        if (SearchSpecs.isSearch(root) != search) {
            throw new TrainCommand.Failure(2, search ? "--search needs a search section in the spec " + spec
                    : "the spec " + spec + " has a search section: pass --search to run the search (docs/search.md)");
        }
        if (!search) {
            return null;
        }
        if (conflict != null) {
            throw new TrainCommand.Failure(2, conflict + " does not go with --search: the trials start "
                    + "from the spec, and the search keeps its winner, written to --out");
        }
        try {
            return new SearchRun(SearchSpecs.plan(root));
        } catch (SpecException e) {
            throw new TrainCommand.Failure(2, "invalid spec " + spec + ":\n  " + String.join("\n  ", e.errors()));
        } catch (IllegalStateException e) {
            throw new TrainCommand.Failure(2, "invalid spec " + spec + ": " + e.getMessage());
        }
    }

    /** The winner once the data has ended: the best so far, said so, if the budget was not spent. */
    static ModelState winner(SearchRun run, PrintWriter err) {
        if (!run.done()) {
            err.printf("train: the data ended after %d of the search's %d examples: the best trial so far wins%n",
                    Stages.length(run.stages().subList(0, run.stage())), Stages.length(run.stages()));
            run.finishEarly();
        }
        return run.lead();
    }

    /**
     * The lead changed during the search: the summary reports the winner's own figures, over the
     * batches it trained ({@code prequential_examples}: the whole pass for grid, random and
     * successive halving).
     */
    static void winnerFigures(SearchRun run, Map<String, Object> summary) {
        SearchRun.Pass p = run.winnerPass();
        summary.put("prequential_loss", Double.isNaN(p.loss()) ? null : p.loss());
        summary.put("prequential_accuracy", Double.isNaN(p.accuracy()) ? null : p.accuracy());
        summary.put("prequential_examples", p.examples());
    }

    /** The {@code search} object of the --metrics file: the same as {@code GET /models/{id}/search}. */
    static Map<String, Object> of(SearchRun run) {
        return SearchBoard.of(run).toMap();
    }

    /** The leaderboard's head, one trial per line. */
    static void print(SearchRun run, PrintWriter err) {
        err.printf("train: search %s, %d trials, %d examples of compute (budget %d); winner trial %d%s%n",
                run.search().strategy(), run.started(), run.computeExamples(), run.search().budgetExamples(),
                run.winner(), run.search().continuous() == null ? "" : ", " + run.promotions() + " challengers promoted");
        List<SearchRun.Row> rows = run.leaderboard();
        for (SearchRun.Row r : rows.subList(0, Math.min(PRINTED_ROWS, rows.size()))) {
            err.printf(Locale.ROOT, "train:   trial %3d  %-10s rung %d  %8d examples  score %.5f  %s%n", r.trial(),
                    r.status().name().toLowerCase(Locale.ROOT), r.rung(), r.examples(), r.score(), values(r.values()));
        }
    }

    /** The winner's provenance in its snapshot: which trial of which search, and its values. */
    static Map<String, String> provenance(SearchRun run) {
        SearchRun.Row winner = run.leaderboard().stream().filter(r -> r.trial() == run.winner()).findFirst().orElseThrow();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("search", run.search().strategy() + ", trial " + winner.trial() + " of " + run.started() + ", seed "
                + run.search().seed());
        p.put("search_values", values(winner.values()));
        return p;
    }

    private static String values(Map<String, Object> values) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(values));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
