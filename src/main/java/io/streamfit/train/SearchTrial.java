package io.streamfit.train;

import io.streamfit.nn.ParamTensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One trial of a {@link SearchRun}: its values, its model while it trains, and its scores. Three
 * tallies are kept of the batches it trains: the objective window (the last {@code window}
 * batches), the whole pass (for a winner, which trained every batch), and the current challenge
 * round (continuous mode). Training thread only.
 */
final class SearchTrial {
    final int number;
    final Map<String, Object> values;
    final PrequentialWindow window;
    ModelState state;
    SearchRun.Status status = SearchRun.Status.RUNNING;
    int rung;
    long examples;
    double heldOut = Double.NaN;
    double score = Double.NaN;
    final Tally pass = new Tally();
    Tally round = new Tally();

    /** Summed prequential figures over some of the trial's batches. */
    static final class Tally {
        double loss;
        long correct;
        long judged;
        long examples;

        void add(StepResult r) {
            loss += r.lossSum();
            correct += r.correct();
            judged += r.judged();
            examples += r.examples();
        }

        double score(String metric) {
            return metric.equals("accuracy") ? 1 - (judged == 0 ? Double.NaN : (double) correct / judged)
                    : examples == 0 ? Double.NaN : loss / examples;
        }
    }

    SearchTrial(int number, Map<String, Object> values, int window) {
        this.number = number;
        this.values = values;
        this.window = new PrequentialWindow(window);
    }

    /** Trains {@code batch} and keeps its tallies. */
    StepResult train(Batch batch) {
        StepResult r = state.train(batch);
        if (r.role() != EarlyStopping.Role.HOLD_OUT) { // trained, or scored while paused: prequential either way
            window.add(r.lossSum(), r.correct(), r.judged(), r.examples());
            pass.add(r);
            round.add(r);
        }
        if (r.check() != null) {
            heldOut = r.check().loss();
        }
        examples += r.examples();
        return r;
    }

    /** The objective over the window: lower is better. */
    double score(String metric) {
        return switch (metric) {
            case "accuracy" -> 1 - window.accuracy();
            case "held_out_loss" -> heldOut;
            default -> window.loss();
        };
    }

    /** The objective over the current challenge round (the held-out loss of the last check for held_out_loss). */
    double roundScore(String metric) {
        return metric.equals("held_out_loss") ? heldOut : round.score(metric);
    }

    void newRound() {
        round = new Tally();
    }

    /** Prequential loss and accuracy over every batch the trial trained. */
    SearchRun.Pass pass() {
        return new SearchRun.Pass(pass.score("prequential_loss"), 1 - pass.score("accuracy"), pass.examples);
    }

    /** Stops training it: its model is let go, only its row stays on the leaderboard. */
    void stop(SearchRun.Status why) {
        status = why;
        state = null;
    }

    /**
     * Starts this trial's fresh model from {@code champion}'s parameters and buffers where the two
     * networks have the same tensors (names and shapes); its optimizer state stays fresh.
     */
    void warmStart(ModelState champion) {
        if (same(champion.network().tensors(), state.network().tensors())
                && same(champion.network().bufferTensors(), state.network().bufferTensors())) {
            state.network().params().assign(champion.network().params());
            if (champion.network().buffers() != null) {
                state.network().buffers().assign(champion.network().buffers());
            }
        }
    }

    private static boolean same(List<ParamTensor> a, List<ParamTensor> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).name().equals(b.get(i).name()) || !Arrays.equals(a.get(i).shape(), b.get(i).shape())) {
                return false;
            }
        }
        return true;
    }
}
