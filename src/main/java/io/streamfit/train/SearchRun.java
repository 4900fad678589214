package io.streamfit.train;

import io.streamfit.nn.SplitMix64;
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
import java.util.List;
import java.util.Map;

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
        /** The best of the search: the model. */
        WINNER
    }

    /** One row of the leaderboard. */
    public record Row(int trial, Map<String, Object> values, Status status, int rung, long examples, double score) {}

    private static final class Entry {
        final int number;
        final Map<String, Object> values;
        final PrequentialWindow window;
        ModelState state;
        Status status = Status.RUNNING;
        int rung;
        long examples;
        double heldOut = Double.NaN;
        double score = Double.NaN;
        /** Prequential sums over every batch the trial trained: the whole pass, for the winner. */
        double passLoss;
        long passCorrect;
        long passJudged;
        long passExamples;

        Entry(int number, Map<String, Object> values, int window) {
            this.number = number;
            this.values = values;
            this.window = new PrequentialWindow(window);
        }
    }

    private final SearchSpecs.Plan plan;
    private final SearchSpecs.SearchSpec search;
    private final List<Stages.Stage> stages;
    private final Sampler sampler;
    private final SplitMix64 rng;
    private final List<Entry> trials = new ArrayList<>();
    private final List<Trial> scored = new ArrayList<>();
    private int stage;
    private long stageExamples;
    private Entry best;
    private boolean done;
    private long examplesAtDone;

    public SearchRun(SearchSpecs.Plan plan) {
        this.plan = plan;
        this.search = plan.search();
        this.stages = search.stages();
        this.sampler = Stages.sampler(search.strategy(), search.trials());
        this.rng = new SplitMix64(search.seed());
        begin();
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

    /**
     * The model that speaks for the search: the winner once {@link #done}; before that the first
     * running trial, the one whose result {@link #train} returns. It is what status, metrics and
     * predictions see; the leaderboard ranks the trials.
     */
    public ModelState lead() {
        if (done) {
            return best.state;
        }
        return running().get(0).state;
    }

    /**
     * Trains {@code batch} on every running trial, or on the winner once {@link #done}; ends the
     * stage when it has lasted its examples. Returns the result of {@link #lead()} as it was when
     * the batch came (the first running trial's, or the winner's).
     */
    public StepResult train(Batch batch) {
        if (done) {
            return train(best, batch);
        }
        StepResult first = null;
        for (Entry e : trials) {
            if (e.status == Status.RUNNING) {
                StepResult r = train(e, batch);
                first = first == null ? r : first;
            }
        }
        stageExamples += batch.size();
        if (stageExamples >= stages.get(stage).examplesEach()) {
            end();
        }
        return first;
    }

    private static StepResult train(Entry e, Batch batch) {
        StepResult r = e.state.train(batch);
        if (r.role() == EarlyStopping.Role.TRAIN) {
            e.window.add(r.lossSum(), r.correct(), r.judged(), r.examples());
            e.passLoss += r.lossSum();
            e.passCorrect += r.correct();
            e.passJudged += r.judged();
            e.passExamples += r.examples();
        }
        if (r.check() != null) {
            e.heldOut = r.check().loss();
        }
        e.examples += r.examples();
        return r;
    }

    /** Prequential loss and accuracy over every batch a trial trained (NaN where there were none). */
    public record Pass(double loss, double accuracy, long examples) {}

    /**
     * The winner's prequential figures over every batch it trained: it trained every batch of the
     * stream from the first, side by side and then alone, so they are its whole pass.
     */
    public Pass winnerPass() {
        if (!done) {
            throw new IllegalStateException("the search is not done");
        }
        return new Pass(best.passExamples == 0 ? Double.NaN : best.passLoss / best.passExamples,
                best.passJudged == 0 ? Double.NaN : (double) best.passCorrect / best.passJudged, best.passExamples);
    }

    /**
     * Ends the search now, before its budget is spent (the stream ran out): the running trials are
     * scored as they stand and the best of them, or of the groups already closed, wins.
     */
    public void finishEarly() {
        if (done) {
            return;
        }
        List<Entry> running = running();
        running.forEach(e -> e.score = score(e));
        close(running);
        finish();
    }

    /** Examples trained over all trials while searching (the winner's after the search not counted): the search's compute. */
    public long computeExamples() {
        return trials.stream().mapToLong(e -> e.examples).sum() - (done ? best.examples - examplesAtDone : 0);
    }

    /** Every trial started, best score first (the running ones by their score so far, unscored last). */
    public List<Row> leaderboard() {
        List<Row> rows = new ArrayList<>();
        for (Entry e : trials) {
            double s = e.status == Status.RUNNING ? score(e) : e.score;
            rows.add(new Row(e.number, e.values, e.status, e.rung, e.examples, s));
        }
        rows.sort(Comparator.comparingDouble((Row r) -> rank(r.score())).thenComparingInt(Row::trial));
        return rows;
    }

    /** The winner's trial number, or -1 before the search is done. */
    public int winner() {
        return done ? best.number : -1;
    }

    /** Trial {@code number}'s state while it is running or leads, else null (a stopped trial's model is let go). */
    public ModelState trial(int number) {
        return trials.get(number).state;
    }

    private void begin() {
        Stages.Stage s = stages.get(stage);
        stageExamples = 0;
        for (int i = 0; i < s.fresh(); i++) {
            int number = trials.size();
            Map<String, Object> values = sampler.suggest(plan.spaces(), scored, number, rng);
            Entry e = new Entry(number, values, search.window());
            e.rung = s.rung();
            trials.add(e);
            try {
                e.state = ModelState.fresh(spec(values));
            } catch (SpecException ex) {
                e.status = Status.INVALID;
                e.score = Double.POSITIVE_INFINITY;
            }
        }
        for (Entry e : running()) {
            e.rung = s.rung();
        }
        if (running().isEmpty()) {
            end(); // every new trial was refused: nothing trains in this stage
        }
    }

    private void end() {
        Stages.Stage s = stages.get(stage);
        List<Entry> running = running();
        for (Entry e : running) {
            e.score = score(e);
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
                    stop(running.get(i), Status.ELIMINATED);
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
    private void close(List<Entry> group) {
        for (Entry e : group) {
            if (best == null || rank(e.score) < rank(best.score)) {
                if (best != null) {
                    stop(best, Status.FINISHED);
                }
                best = e;
            } else {
                stop(e, Status.FINISHED);
            }
        }
        if (best != null) {
            best.status = Status.FINISHED;
        }
    }

    private void finish() {
        done = true;
        examplesAtDone = best == null ? 0 : best.examples;
        stage = stages.size();
        if (best == null) {
            throw new IllegalStateException("no trial of the search could be built: every trial's spec was refused");
        }
        best.status = Status.WINNER;
    }

    private static void stop(Entry e, Status status) {
        e.status = status;
        e.state = null; // its model is let go: only its row stays on the leaderboard
    }

    private List<Entry> running() {
        return trials.stream().filter(e -> e.status == Status.RUNNING).toList();
    }

    private double score(Entry e) {
        return switch (search.metric()) {
            case "accuracy" -> 1 - e.window.accuracy();
            case "held_out_loss" -> e.heldOut;
            default -> e.window.loss();
        };
    }

    /** A score as it ranks: not a number (diverged, never checked) is last. */
    private static double rank(double score) {
        return Double.isNaN(score) ? Double.POSITIVE_INFINITY : score;
    }

    /**
     * Trial {@code number}'s spec: the base with the trial's values written in. Every trial has its
     * own generator, seeded with the spec's seed: trials differ only in their values (common random
     * numbers: the same initial weights where the shapes agree, the same dropout masks), so their
     * scores compare the values and not the luck of a draw, and the winner is bitwise the spec with
     * its values trained alone.
     */
    private ModelSpec spec(Map<String, Object> values) {
        return SpecParser.parse(SearchSpaces.with(plan.base(), values));
    }
}
