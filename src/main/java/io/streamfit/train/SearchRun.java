package io.streamfit.train;

import io.streamfit.nn.SplitMix64;
import io.streamfit.search.RandomSampler;
import io.streamfit.search.Sampler;
import io.streamfit.search.Stages;
import io.streamfit.search.SuccessiveHalving;
import io.streamfit.search.Trial;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SearchSpaces;
import io.streamfit.spec.SearchSpecs;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A hyper-parameter search running on a stream: the trials of the current {@link Stages stage}
 * train side by side on every batch ({@link #train}), each with its own {@link ModelState}
 * (parameters, optimizer state, schedule, generator) and its own objective window; at the end of
 * a stage the trials are scored, the worst eliminated or the group closed, and the next stage's
 * trials proposed by the strategy's {@link Sampler}. When the last stage ends, the best trial is
 * the winner and {@link #train} trains it alone from then on: it is the model.
 *
 * <p>Call order: {@link #train} once per batch, in stream order, on the training thread. The
 * search is a function of the batches it is given: the same batches give bitwise the same trials,
 * scores and winner.
 *
 * <p>Scores are lower-is-better: the mean prequential loss over the trial's last
 * {@code objective.window} trained batches, {@code 1 - accuracy} over them, or the held-out loss
 * of the trial's last early-stopping check. A trial whose score is not a number (it diverged, or
 * never finished a validation check) ranks last. Within a stage every trial trained on the same
 * records, so their scores compare like with like; trials of different bayesian rounds or
 * hyperband brackets were scored on different stretches of the stream.
 *
 * <p>Continuous mode ({@code search.continuous}): once the search is done, rounds of new
 * challengers train beside the winner, each round {@code window} batches long; a challenger whose
 * objective over the round is below the winner's by the {@code margin} replaces it.
 */
public final class SearchRun {
    /** Where a trial is. */
    public enum Status {
        /** Training in the current stage. */
        RUNNING,
        /** Stopped at the end of a rung by successive halving. */
        ELIMINATED,
        /** Trained its whole share, and was not the best of its group or of the search. */
        FINISHED,
        /** Its spec was refused (the values together break a limit, e.g. too many parameters). */
        INVALID,
        /** The best of the search, or the challenger promoted last: the model. */
        WINNER,
        /** Continuous mode: training beside the winner in the current round. */
        CHALLENGER,
        /** Continuous mode: a challenger that did not beat the winner by the margin. */
        DEFEATED,
        /** Continuous mode: a winner a challenger replaced. */
        RETIRED
    }

    /** One row of the leaderboard. */
    public record Row(int trial, Map<String, Object> values, Status status, int rung, long examples, double score) {}

    /** Prequential loss and accuracy over every batch a trial trained (NaN where there were none). */
    public record Pass(double loss, double accuracy, long examples) {}

    /** The most rows kept: in continuous mode the oldest stopped trials' rows are let go beyond it. */
    static final int MAX_ROWS = 256;
    private static final Sampler CHALLENGERS = new RandomSampler();

    private final SearchSpecs.Plan plan;
    private final SearchSpecs.SearchSpec search;
    private final List<Stages.Stage> stages;
    private final Sampler sampler;
    // The search's progress: written and read back whole by SearchProgress.
    final SplitMix64 rng;
    final List<SearchTrial> trials = new ArrayList<>();
    final List<Trial> scored = new ArrayList<>();
    int started;
    int stage;
    long stageExamples;
    SearchTrial best;
    boolean done;
    long computeAtDone;
    long roundBatches;
    int promotions;

    /** A new search: its first stage's trials are proposed and built. */
    public SearchRun(SearchSpecs.Plan plan) {
        this(plan, true);
    }

    private SearchRun(SearchSpecs.Plan plan, boolean begin) {
        this.plan = plan;
        this.search = plan.search();
        this.stages = search.stages();
        this.sampler = Stages.sampler(search.strategy(), search.trials());
        this.rng = new SplitMix64(search.seed());
        if (begin) {
            begin();
        }
    }

    /**
     * The search's progress, for a snapshot: every trial's values, status, tallies and window, the
     * stage and its progress, and the generator (JSON, exact: doubles round-trip bitwise). The
     * models of the trials in {@link #liveTrials()} go beside it.
     */
    public String progress() {
        return SearchProgress.write(this);
    }

    /** The trials that hold a model (training, challenging, winning, or leading a closed group), by number. */
    public Map<Integer, ModelState> liveTrials() {
        Map<Integer, ModelState> live = new LinkedHashMap<>();
        for (SearchTrial t : trials) {
            if (t.state != null) {
                live.put(t.number, t.state);
            }
        }
        return live;
    }

    /** The spec trial {@code number} trains (to decode its model from a snapshot). */
    public ModelSpec trialSpec(int number) {
        return spec(trials.stream().filter(t -> t.number == number).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no trial " + number)).values);
    }

    /**
     * The search {@link #progress()} described, with each live trial's model from {@code models},
     * which is given the live trials' specs by number (to decode each model with): it goes on
     * bitwise as the search that wrote it would have.
     *
     * @throws IllegalArgumentException if the progress is malformed or a live trial's model is missing
     */
    public static SearchRun restore(SearchSpecs.Plan plan, String progress,
            Function<Map<Integer, ModelSpec>, Map<Integer, ModelState>> models) {
        SearchRun run = new SearchRun(plan, false);
        List<Integer> live = SearchProgress.read(run, progress);
        Map<Integer, ModelSpec> specs = new LinkedHashMap<>();
        for (int n : live) {
            specs.put(n, run.trialSpec(n));
        }
        Map<Integer, ModelState> states = models.apply(specs);
        for (SearchTrial t : run.trials) {
            if (live.contains(t.number)) {
                t.state = states.get(t.number);
                if (t.state == null) {
                    throw new IllegalArgumentException("the model of live trial " + t.number + " is missing");
                }
            }
        }
        return run;
    }

    /** For {@link SearchProgress}: a trial with its values, its window sized as the objective's. */
    SearchTrial newTrial(int number, Map<String, Object> values) {
        return new SearchTrial(number, values, search.window());
    }

    /** The search's section. */
    public SearchSpecs.SearchSpec search() {
        return search;
    }

    /** Whether the budget is spent and the winner chosen. */
    public boolean done() {
        return done;
    }

    /** The stages the budget is spent in. */
    public List<Stages.Stage> stages() {
        return stages;
    }

    /** The stage now running (its index in {@link #stages}); the number of stages once done. */
    public int stage() {
        return stage;
    }

    /** Trials started so far, challengers included (the leaderboard keeps at most {@link #MAX_ROWS}). */
    public int started() {
        return started;
    }

    /** Continuous mode: how many challengers replaced the winner. */
    public int promotions() {
        return promotions;
    }

    /**
     * The model that speaks for the search: the winner once {@link #done}; before that the first
     * running trial, the one whose result {@link #train} returns. It is what status, metrics and
     * predictions see; the leaderboard ranks the trials.
     */
    public ModelState lead() {
        return done ? best.state : running().get(0).state;
    }

    /** The number of the trial {@link #lead()} is. */
    public int leadTrial() {
        return done ? best.number : running().get(0).number;
    }

    /**
     * Once {@link #done}: the winner goes on from {@code state}, a copy of its own model as a
     * snapshot had it, changed by a divergence rollback (a lower learning-rate scale).
     */
    public void continueWinner(ModelState state) {
        if (!done) {
            throw new IllegalStateException("the search is not done");
        }
        best.state = state;
    }

    /**
     * Trains {@code batch} on every running trial, or on the winner (and its challengers) once
     * {@link #done}; ends the stage or the challenge round when it has lasted its length. Returns
     * the result of {@link #lead()} as it was when the batch came.
     */
    public StepResult train(Batch batch) {
        if (done) {
            StepResult r = best.train(batch);
            if (search.continuous() != null) {
                challengers().forEach(c -> c.train(batch));
                if (++roundBatches >= search.continuous().window()) {
                    judge();
                }
            }
            return r;
        }
        StepResult first = null;
        for (SearchTrial e : running()) {
            StepResult r = e.train(batch);
            first = first == null ? r : first;
        }
        stageExamples += batch.size();
        if (stageExamples >= stages.get(stage).examplesEach()) {
            end();
        }
        return first;
    }

    /**
     * The winner's prequential figures over every batch it trained: from the first batch for
     * grid, random and successive halving, whose winner trained every batch; from its round or
     * bracket on for bayesian and hyperband, and from its start for a challenger promoted in
     * continuous mode ({@link Pass#examples} says how many).
     */
    public Pass winnerPass() {
        if (!done) {
            throw new IllegalStateException("the search is not done");
        }
        return best.pass();
    }

    /**
     * Ends the search now, before its budget is spent (the stream ran out): the running trials are
     * scored as they stand and the best of them, or of the groups already closed, wins.
     */
    public void finishEarly() {
        if (done) {
            return;
        }
        List<SearchTrial> running = running();
        running.forEach(e -> e.score = e.score(search.metric()));
        close(running);
        finish();
    }

    /** Examples trained over all trials until the search was done: the search's compute (challengers not counted). */
    public long computeExamples() {
        return done ? computeAtDone : trials.stream().mapToLong(e -> e.examples).sum();
    }

    /** Every trial kept, the winner first, then by score (the running ones by their score so far, unscored last). */
    public List<Row> leaderboard() {
        List<Row> rows = new ArrayList<>();
        for (SearchTrial e : trials) {
            double s = e.status == Status.RUNNING || e.status == Status.CHALLENGER ? e.score(search.metric()) : e.score;
            rows.add(new Row(e.number, e.values, e.status, e.rung, e.examples, s));
        }
        rows.sort(Comparator.comparing((Row r) -> r.status() != Status.WINNER).thenComparingDouble((Row r) -> rank(r.score()))
                .thenComparingInt(Row::trial));
        return rows;
    }

    /** The winner's trial number, or -1 before the search is done. */
    public int winner() {
        return done ? best.number : -1;
    }

    /** Trial {@code number}'s state while it trains or wins, else null (a stopped trial's model is let go). */
    public ModelState trial(int number) {
        return trials.stream().filter(e -> e.number == number).findFirst().map(e -> e.state).orElse(null);
    }

    private void begin() {
        Stages.Stage s = stages.get(stage);
        stageExamples = 0;
        for (int i = 0; i < s.fresh(); i++) {
            start(Status.RUNNING);
        }
        for (SearchTrial e : running()) {
            e.rung = s.rung();
        }
        if (running().isEmpty()) {
            end(); // every new trial was refused: nothing trains in this stage
        }
    }

    /** A new trial, proposed from the trials scored so far. */
    private SearchTrial start(Status status) {
        int number = started++;
        // A grid's points are spent by the search: challengers are drawn at random instead.
        Sampler proposer = done && search.strategy().equals("grid") ? CHALLENGERS : sampler;
        Map<String, Object> values = proposer.suggest(plan.spaces(), scored, number, rng);
        SearchTrial e = new SearchTrial(number, values, search.window());
        e.status = status;
        e.rung = done ? -1 : stages.get(stage).rung();
        trials.add(e);
        try {
            e.state = ModelState.fresh(spec(values));
        } catch (SpecException ex) {
            e.stop(Status.INVALID);
            e.score = Double.POSITIVE_INFINITY;
        }
        return e;
    }

    private void end() {
        Stages.Stage s = stages.get(stage);
        List<SearchTrial> running = running();
        for (SearchTrial e : running) {
            e.score = e.score(search.metric());
            if (s.closes()) {
                scored.add(new Trial(e.values, rank(e.score)));
            }
        }
        if (s.closes()) {
            close(running);
        } else {
            List<Double> scores = running.stream().map(e -> rank(e.score)).toList();
            List<Integer> keep = SuccessiveHalving.survivors(scores, stages.get(stage + 1).keep());
            for (int i = 0; i < running.size(); i++) {
                if (!keep.contains(i)) {
                    running.get(i).stop(Status.ELIMINATED);
                }
            }
        }
        stage++;
        if (stage == stages.size()) {
            finish();
        } else {
            begin();
        }
    }

    /** Ends a group: its best is compared with the best so far; every other trial stops. */
    private void close(List<SearchTrial> group) {
        for (SearchTrial e : group) {
            if (best == null || rank(e.score) < rank(best.score)) {
                if (best != null) {
                    best.stop(Status.FINISHED);
                }
                best = e;
            } else {
                e.stop(Status.FINISHED);
            }
        }
        if (best != null) {
            best.status = Status.FINISHED;
        }
    }

    private void finish() {
        if (best == null) {
            throw new IllegalStateException("no trial of the search could be built: every trial's spec was refused");
        }
        computeAtDone = trials.stream().mapToLong(e -> e.examples).sum();
        done = true;
        stage = stages.size();
        best.status = Status.WINNER;
        if (search.continuous() != null) {
            challenge();
        }
    }

    /**
     * Continuous mode: a round of new challengers, proposed from every trial scored so far, each
     * started from the winner's parameters where its network has the same tensors (a new width
     * starts fresh) with a fresh optimizer, to train beside the winner on the same batches.
     */
    private void challenge() {
        roundBatches = 0;
        best.newRound();
        for (int i = 0; i < search.continuous().challengers(); i++) {
            SearchTrial c = start(Status.CHALLENGER);
            if (c.state != null) {
                c.warmStart(best.state);
            }
        }
        forget();
    }

    /**
     * The end of a round: the best challenger replaces the winner if its objective over the round
     * is below the winner's by the margin ({@code score < winner * (1 - margin)}); the others stop.
     */
    private void judge() {
        String metric = search.metric();
        double champion = rank(best.roundScore(metric));
        SearchTrial bestChallenger = null;
        for (SearchTrial c : challengers()) {
            c.score = c.roundScore(metric);
            scored.add(new Trial(c.values, rank(c.score)));
            if (bestChallenger == null || rank(c.score) < rank(bestChallenger.score)) {
                bestChallenger = c;
            }
        }
        best.score = champion;
        if (bestChallenger != null && rank(bestChallenger.score) < champion * (1 - search.continuous().margin())) {
            best.stop(Status.RETIRED);
            best = bestChallenger;
            best.status = Status.WINNER;
            promotions++;
        }
        challengers().forEach(c -> c.stop(Status.DEFEATED));
        challenge();
    }

    /** Lets the oldest stopped trials' rows go beyond {@link #MAX_ROWS} (and their scores beyond it in the sampler's history). */
    private void forget() {
        for (int i = 0; trials.size() > MAX_ROWS && i < trials.size();) {
            if (trials.get(i).state == null) {
                trials.remove(i);
            } else {
                i++;
            }
        }
        if (scored.size() > MAX_ROWS) {
            scored.subList(0, scored.size() - MAX_ROWS).clear();
        }
    }

    private List<SearchTrial> running() {
        return trials.stream().filter(e -> e.status == Status.RUNNING).toList();
    }

    private List<SearchTrial> challengers() {
        return trials.stream().filter(e -> e.status == Status.CHALLENGER).toList();
    }

    /** A score as it ranks: not a number (diverged, never checked) is last. */
    private static double rank(double score) {
        return Double.isNaN(score) ? Double.POSITIVE_INFINITY : score;
    }

    /**
     * A trial's spec: the base with the trial's values written in. Every trial has its own
     * generator, seeded with the spec's seed: trials differ only in their values (common random
     * numbers: the same initial weights where the shapes agree, the same dropout masks), so their
     * scores compare the values and not the luck of a draw, and the winner is bitwise the spec with
     * its values trained alone.
     */
    private ModelSpec spec(Map<String, Object> values) {
        return SpecParser.parse(SearchSpaces.with(plan.base(), values));
    }
}
