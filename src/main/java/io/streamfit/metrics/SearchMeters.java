package io.streamfit.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.streamfit.train.SearchBoard;
import io.streamfit.train.SearchRun;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A search's meters: its progress, and its leaderboard by rank. The {@code slot} label is a rank
 * (1: the winner, or the best trial so far), from 1 to the search's {@code trials} (at most 64,
 * as the spec allows): a model has that many series per slot meter however many
 * challengers continuous mode starts, and a trial moves between slots as the ranking changes
 * (the {@code streamfit_search_slot_trial} gauge says which trial a slot holds). An empty slot
 * reads NaN. Updated from the training thread ({@link #update}); read by the scrape.
 */
final class SearchMeters {
    private volatile SearchBoard board;

    SearchMeters(MeterRegistry registry, Tags tags, SearchBoard first, List<Meter> meters) {
        this.board = first;
        meters.add(gauge(registry, tags, MetricNames.SEARCH_TRIALS_STARTED, "Trials the search started, challengers included",
                b -> b.started()));
        meters.add(gauge(registry, tags, MetricNames.SEARCH_COMPUTE_EXAMPLES,
                "Examples trained over all trials until the winner was chosen (so far, while searching)",
                b -> b.computeExamples()));
        meters.add(gauge(registry, tags, MetricNames.SEARCH_DONE, "1 once the search chose its winner, else 0",
                b -> b.done() ? 1 : 0));
        meters.add(gauge(registry, tags, MetricNames.SEARCH_PROMOTIONS,
                "Challengers that replaced the winner (continuous mode; 0 without it)", b -> Math.max(0, b.promotions())));
        int slots = first.trials();
        for (int rank = 1; rank <= slots; rank++) {
            Tags slot = tags.and("slot", Integer.toString(rank));
            int at = rank - 1;
            meters.add(gauge(registry, slot, MetricNames.SEARCH_SLOT_TRIAL, "The trial at this rank of the leaderboard",
                    b -> row(b, at) == null ? Double.NaN : row(b, at).trial()));
            meters.add(gauge(registry, slot, MetricNames.SEARCH_SLOT_SCORE,
                    "Objective of the trial at this rank, lower is better (its last score, or its score so far while it trains)",
                    b -> row(b, at) == null ? Double.NaN : row(b, at).score()));
            meters.add(gauge(registry, slot, MetricNames.SEARCH_SLOT_EXAMPLES, "Examples the trial at this rank trained",
                    b -> row(b, at) == null ? Double.NaN : row(b, at).examples()));
            meters.add(gauge(registry, slot, MetricNames.SEARCH_SLOT_TRAINING,
                    "1 if the trial at this rank still trains (running, challenging or winning), else 0",
                    b -> row(b, at) == null ? Double.NaN : training(row(b, at).status()) ? 1 : 0));
        }
    }

    void update(SearchBoard b) {
        board = b;
    }

    private static SearchRun.Row row(SearchBoard b, int at) {
        return at < b.rows().size() ? b.rows().get(at) : null;
    }

    private static boolean training(SearchRun.Status s) {
        return s == SearchRun.Status.RUNNING || s == SearchRun.Status.CHALLENGER || s == SearchRun.Status.WINNER;
    }

    private Gauge gauge(MeterRegistry registry, Tags tags, String name, String help, ToDoubleFunction<SearchBoard> f) {
        return Gauge.builder(name, this, m -> f.applyAsDouble(m.board)).description(help).tags(tags).strongReference(true)
                .register(registry);
    }
}
