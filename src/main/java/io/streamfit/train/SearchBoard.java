package io.streamfit.train;

import io.streamfit.search.Stages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A search's leaderboard and progress at one moment, immutable: what {@code GET
 * /models/{id}/search}, the per-trial metrics and {@code train --search --metrics} show. The
 * training thread makes one after each batch ({@link #of}); any thread may read it.
 *
 * @param trials the search's {@code trials}
 * @param lead the trial that speaks for the search now ({@link SearchRun#leadTrial()})
 * @param winner the winner's trial number, -1 until the search is done
 * @param promotions continuous mode's promotions, -1 without continuous mode
 * @param rows every trial kept, the winner first, then by score ({@link SearchRun#leaderboard()})
 */
public record SearchBoard(String strategy, String objective, int trials, long budgetExamples, long plannedComputeExamples,
        long computeExamples, long streamExamples, int stages, int stage, boolean done, int started, int lead, int winner,
        int promotions, List<SearchRun.Row> rows) {

    public SearchBoard {
        rows = List.copyOf(rows);
    }

    /** The search as it stands; on the thread that trains it. */
    public static SearchBoard of(SearchRun run) {
        return new SearchBoard(run.search().strategy(), run.search().metric(), run.search().trials(),
                run.search().budgetExamples(),
                Stages.compute(run.stages()), run.computeExamples(), Stages.length(run.stages()), run.stages().size(),
                run.stage(), run.done(), run.started(), run.leadTrial(), run.winner(),
                run.search().continuous() == null ? -1 : run.promotions(), run.leaderboard());
    }

    /** As JSON: snake_case keys, statuses in lower case, a score that is not a number as null. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", strategy);
        m.put("objective", objective);
        m.put("trials", trials);
        m.put("budget_examples", budgetExamples);
        m.put("planned_compute_examples", plannedComputeExamples);
        m.put("compute_examples", computeExamples);
        m.put("search_stream_examples", streamExamples);
        m.put("stages", stages);
        m.put("stage", stage);
        m.put("done", done);
        m.put("trials_started", started);
        m.put("lead", lead);
        m.put("winner", winner);
        if (promotions >= 0) {
            m.put("promotions", promotions);
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (SearchRun.Row r : rows) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("trial", r.trial());
            row.put("values", r.values());
            row.put("score", Double.isFinite(r.score()) ? r.score() : null);
            row.put("rung", r.rung());
            row.put("examples", r.examples());
            row.put("status", r.status().name().toLowerCase(Locale.ROOT));
            list.add(row);
        }
        m.put("leaderboard", list);
        return m;
    }
}
