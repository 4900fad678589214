package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.SplitMix64;
import io.streamfit.search.Stages;
import io.streamfit.snapshot.SearchSnapshots;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SearchSpaces;
import io.streamfit.spec.SearchSpecs;
import io.streamfit.spec.SpecParser;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A search run on a stream whose best learning rate is known analytically: least squares
 * {@code y = w* . x} with {@code x ~ N(0, I_d)}, fitted by a linear model (bias frozen at 0) with
 * plain SGD on {@code torch.nn.MSELoss}, batches of {@code B}. With {@code delta = w - w*}, one
 * step is {@code delta' = (I - 2 lr A) delta} where {@code A} is the batch's {@code (1/B) sum x x^T},
 * and for Gaussian inputs {@code E[A M A] = M + (M + tr(M) I) / B}, so
 *
 * <pre>
 *   E |delta'|^2 = |delta|^2 (1 - 4 lr + 4 lr^2 c),   c = 1 + (d + 1) / B
 * </pre>
 *
 * The loss shrinks fastest, at every horizon, at {@code lr* = 1 / (2c)}; here {@code d = 256},
 * {@code B = 8}: {@code lr* = 4/265 = 0.0151}, and each step keeps 97% of the error, so even the
 * 420 steps of successive halving's last rung stay far from float32's floor (where every good
 * rate would tie). Every strategy must find {@code lr*} within 1.5x, for each of three seeds.
 */
class SearchRunTest {
    private static final int D = 256;
    private static final int B = 8;
    private static final double BEST_LR = 1 / (2 * (1 + (D + 1) / (double) B));

    private static String spec(String search, double lrLow, double lrHigh) {
        return """
                id: lsq
                topic: lsq.in
                input_width: %d
                task: {type: regression, outputs: 1}
                layers: [{type: dense, units: 1, bias_init: {type: zeros}}]
                freeze: ["0.bias"]
                optimizer: {type: sgd, lr: {log_uniform: [%s, %s]}}
                batch_size: %d
                seed: 3
                search: %s
                """.formatted(D, lrLow, lrHigh, B, search);
    }

    private static SearchSpecs.Plan plan(String search) {
        return SearchSpecs.plan(SpecParser.read(spec(search, 0.0015, 0.15)));
    }

    /** The least-squares stream: Gaussian inputs, a fixed Gaussian target vector, no noise. */
    private static List<Batch> stream(long seed, long examples) {
        SplitMix64 rng = new SplitMix64(seed);
        float[] target = new float[D];
        for (int j = 0; j < D; j++) {
            target[j] = (float) rng.nextGaussian();
        }
        List<Batch> out = new ArrayList<>();
        for (long n = 0; n < examples; n += B) {
            float[] x = new float[B * D];
            float[] y = new float[B];
            for (int i = 0; i < B; i++) {
                double dot = 0;
                for (int j = 0; j < D; j++) {
                    x[i * D + j] = (float) rng.nextGaussian();
                    dot += (double) x[i * D + j] * target[j];
                }
                y[i] = (float) dot;
            }
            out.add(new Batch(B, D, x, 1, y));
        }
        return out;
    }

    private static SearchRun run(SearchSpecs.Plan plan, List<Batch> batches) {
        SearchRun run = new SearchRun(plan);
        for (Batch b : batches) {
            if (run.done()) {
                break;
            }
            run.train(b);
        }
        return run;
    }

    private static double winnerLr(SearchRun run) {
        return run.leaderboard().stream().filter(r -> r.trial() == run.winner()).findFirst().orElseThrow().values()
                .get("optimizer.lr") instanceof Double d ? d : Double.NaN;
    }

    @Test
    void everyStrategyFindsTheAnalyticBestLearningRate() {
        String[] searches = {
                "{strategy: grid, trials: 16, budget: {examples: 12800}, objective: {window: 20}}",
                "{strategy: random, trials: 16, budget: {examples: 12800}, objective: {window: 20}}",
                "{strategy: bayesian, trials: 16, parallel: 2, budget: {examples: 12800}, objective: {window: 20}}",
                "{strategy: successive_halving, trials: 16, eta: 3, budget: {examples: 38400}, objective: {window: 20}}",
                "{strategy: hyperband, trials: 16, eta: 3, budget: {examples: 28800}, objective: {window: 20}}",
        };
        for (String search : searches) {
            for (long seed = 1; seed <= 3; seed++) {
                SearchSpecs.Plan plan = plan(search.replace("}}", "}, seed: " + seed + "}"));
                // Each stage ends at the batch that completes its examples: up to a batch more each.
                List<Stages.Stage> stages = plan.search().stages();
                SearchRun run = run(plan, stream(100 + seed, Stages.length(stages) + (long) B * stages.size()));
                assertTrue(run.done(), search);
                double ratio = winnerLr(run) / BEST_LR;
                System.out.printf(Locale.ROOT, "search %s seed %d: lr %.5f, %.2fx the best %.5f, compute %d examples%n",
                        plan.search().strategy(), seed, winnerLr(run), ratio, BEST_LR, run.computeExamples());
                assertTrue(ratio > 1 / 1.5 && ratio < 1.5, search + " seed " + seed + " found lr " + winnerLr(run) + ", "
                        + ratio + "x the best " + BEST_LR);
                assertTrue(run.computeExamples() <= plan.search().budgetExamples(),
                        "compute within the budget: " + run.computeExamples());
                assertEquals(Stages.compute(stages), run.computeExamples(), "the stages end where their batches end");
            }
        }
    }

    @Test
    void theSameBatchesGiveTheSameSearchBitwise() {
        SearchSpecs.Plan plan = plan("{strategy: successive_halving, trials: 9, eta: 3, budget: {examples: 2700}, seed: 5}");
        List<Batch> batches = stream(9, Stages.length(plan.search().stages()) + 40);
        SearchRun a = run(plan, batches);
        SearchRun b = run(plan, batches);
        assertEquals(a.leaderboard(), b.leaderboard());
        assertEquals(a.winner(), b.winner());
        assertArrayEquals(a.lead().network().params().toFloatVector(),
                b.lead().network().params().toFloatVector());
        // Successive halving kept 3 of 9 after rung 0 and 1 of 3 after rung 1.
        assertEquals(6, a.leaderboard().stream().filter(r -> r.status() == SearchRun.Status.ELIMINATED && r.rung() == 0).count());
        assertEquals(2, a.leaderboard().stream().filter(r -> r.status() == SearchRun.Status.ELIMINATED && r.rung() == 1).count());
        assertEquals(SearchRun.Status.WINNER, a.leaderboard().get(0).status());
    }

    @Test
    void theWinnerIsTheModelItWouldHaveBeenTrainedAlone() throws Exception {
        SearchSpecs.Plan plan = plan("{strategy: random, trials: 4, budget: {examples: 400}, seed: 2}");
        List<Batch> batches = stream(4, 600);
        SearchRun run = new SearchRun(plan);
        for (Batch b : batches) {
            run.train(b); // the search takes 100 examples; the winner trains the other 500 alone
        }
        SearchRun.Row winner = run.leaderboard().get(0);
        ModelState alone = ModelState.fresh(SpecParser.parse(SearchSpaces.with(plan.base(), winner.values())));
        for (Batch b : batches) {
            alone.train(b);
        }
        assertArrayEquals(alone.network().params().toFloatVector(),
                run.lead().network().params().toFloatVector());
        assertEquals(600, run.lead().examplesSeen());
    }

    /**
     * Trials side by side on shared batches are bitwise the same specs trained alone: sharing a
     * batch (decoded once) changes nothing of a trial. Three trials of a classifier differ in width
     * and learning rate, and draw dropout masks from their own generators.
     */
    @Test
    void trialsSideBySideAreBitwiseTheTrialsAlone() {
        String searched = """
                id: t
                topic: t.in
                input_width: 6
                task: {type: classification, classes: 3}
                layers: [{type: dense, units: {choice: [8, 16]}}, {type: relu}, {type: dropout, p: 0.2}, {type: dense, units: 3}]
                optimizer: {type: adam, lr: {log_uniform: [1.0e-3, 1.0e-1]}}
                batch_size: 8
                seed: 5
                search: {strategy: random, trials: 3, budget: {examples: 100000}, seed: 1}
                """;
        SearchSpecs.Plan plan = SearchSpecs.plan(SpecParser.read(searched));
        SearchRun run = new SearchRun(plan);
        SplitMix64 rng = new SplitMix64(11);
        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            float[] x = new float[8 * 6];
            float[] y = new float[8];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) rng.nextGaussian();
            }
            for (int j = 0; j < 8; j++) {
                y[j] = x[j * 6] > x[j * 6 + 1] ? 0 : x[j * 6 + 2] > 0 ? 1 : 2;
            }
            batches.add(new Batch(8, 6, x, 1, y));
        }
        batches.forEach(run::train);
        assertTrue(!run.done() && run.leaderboard().size() == 3);
        Set<Long> widths = new HashSet<>();
        for (SearchRun.Row row : run.leaderboard()) {
            ModelState alone = ModelState.fresh(SpecParser.parse(SearchSpaces.with(plan.base(), row.values())));
            batches.forEach(alone::train);
            ModelState side = run.trial(row.trial());
            assertEquals(40, side.steps(), "trial " + row.trial());
            assertArrayEquals(alone.network().params().toFloatVector(), side.network().params().toFloatVector(),
                    "trial " + row.trial() + " bitwise");
            widths.add(side.network().params().length());
        }
        assertTrue(
                widths.size() > 1 || run.leaderboard().stream().map(r -> r.values().get("optimizer.lr")).distinct().count() == 3,
                "the trials are different models");
    }

    /**
     * Continuous mode: a one-point grid starts the winner at the centre of the range (lr 0.0039,
     * about a quarter of lr*); challengers, warm-started from the winner's weights, train beside it
     * in rounds of 25 batches, and those whose loss over a round is 5% below the winner's replace
     * it, which moves the model's rate towards lr*.
     */
    @Test
    void continuousChallengersReplaceAWorseWinnerByTheMargin() {
        SearchSpecs.Plan plan = SearchSpecs.plan(SpecParser.read(spec("{strategy: grid, trials: 1, budget: {examples: 80}, "
                + "continuous: {challengers: 2, window: 25, margin: 0.05}, seed: 3}", 0.0001, 0.15)));
        SearchRun run = new SearchRun(plan);
        stream(21, 80 + 12 * 25 * B).forEach(run::train);
        double first = (Double) run.leaderboard().stream().filter(r -> r.trial() == 0).findFirst().orElseThrow().values()
                .get("optimizer.lr");
        double last = winnerLr(run);
        System.out.printf(Locale.ROOT, "continuous: lr %.5f -> %.5f (lr* %.5f) after %d promotions%n", first, last, BEST_LR,
                run.promotions());
        assertTrue(run.promotions() >= 1, "a better challenger was promoted");
        assertTrue(Math.abs(Math.log(last / BEST_LR)) < Math.abs(Math.log(first / BEST_LR)), "closer to lr*");
        assertTrue(last / BEST_LR > 0.5 && last / BEST_LR < 2, "within 2x of lr*: " + last);
        assertEquals(run.promotions(), run.leaderboard().stream().filter(r -> r.status() == SearchRun.Status.RETIRED).count());
        assertEquals(SearchRun.Status.WINNER, run.leaderboard().get(0).status());
        assertEquals(2, run.leaderboard().stream().filter(r -> r.status() == SearchRun.Status.CHALLENGER).count());
    }

    /** Challengers that lose leave the winner alone: it is bitwise the model trained alone. */
    @Test
    void challengersThatLoseLeaveTheWinnerAsItWouldHaveBeen() {
        SearchSpecs.Plan plan = plan("{strategy: random, trials: 4, budget: {examples: 400}, "
                + "continuous: {challengers: 1, window: 10, margin: 0.5}, seed: 2}");
        List<Batch> batches = stream(4, 1200);
        SearchRun run = new SearchRun(plan);
        batches.forEach(run::train);
        assertEquals(0, run.promotions());
        assertTrue(run.leaderboard().stream().filter(r -> r.status() == SearchRun.Status.DEFEATED).count() >= 10);
        SearchRun.Row winner = run.leaderboard().get(0);
        ModelState alone = ModelState.fresh(SpecParser.parse(SearchSpaces.with(plan.base(), winner.values())));
        batches.forEach(alone::train);
        assertArrayEquals(alone.network().params().toFloatVector(), run.lead().network().params().toFloatVector());
    }

    /**
     * A search restored from its snapshot ({@link SearchSnapshots}: the lead unprefixed, the other
     * live trials under {@code trial.<n>.}, the progress in the metadata) at any batch (mid-rung,
     * at a rung's end, in the challenge rounds) goes on bitwise as the search that was never
     * interrupted: the same leaderboard, the same winner, the same parameters.
     */
    @Test
    void aSearchRestoredFromItsSnapshotGoesOnBitwise() throws Exception {
        ModelSpec model = SpecParser.parse(spec("{strategy: successive_halving, trials: 9, eta: 3, budget: {examples: 2700}, "
                + "seed: 5, continuous: {challengers: 2, window: 5}}", 0.0015, 0.15));
        assertRestoresBitwise(model, stream(9, 2400), new int[] {3, 12, 37, 150, 290});
    }

    /** The same with trials of different widths: each live trial is decoded with its own spec. */
    @Test
    void aSearchOfWidthsRestoresEachTrialWithItsOwnArchitecture() throws Exception {
        ModelSpec model = SpecParser.parse("""
                id: lsq
                topic: lsq.in
                input_width: %d
                task: {type: regression, outputs: 1}
                layers: [{type: dense, units: {choice: [4, 8, 16]}}, {type: relu}, {type: dense, units: 1}]
                optimizer: {type: adam, lr: {log_uniform: [0.0001, 0.01]}}
                batch_size: %d
                seed: 3
                search: {strategy: random, trials: 6, budget: {examples: 960}, seed: 4}
                """.formatted(D, B));
        assertEquals(8, ((Number) model.layers().get(0).options().get("units")).intValue(),
                "the representative spec has the middle choice");
        assertRestoresBitwise(model, stream(6, 1200), new int[] {1, 10, 19, 20, 21, 100});
    }

    private static void assertRestoresBitwise(ModelSpec model, List<Batch> batches, int[] cuts) throws Exception {
        SearchRun whole = new SearchRun(model.search());
        batches.forEach(whole::train);
        for (int cut : cuts) {
            SearchRun first = new SearchRun(model.search());
            batches.subList(0, cut).forEach(first::train);
            byte[] file = SearchSnapshots.encode(first, model, 1, Map.of(), Map.of());
            assertArrayEquals(first.lead().network().params().toFloatVector(),
                    SnapshotCodec.decode(file, model).network().params().toFloatVector(),
                    "the lead is the file's own model, as any snapshot's, cut " + cut);
            SearchRun restored = SearchSnapshots.restore(file, model);
            assertEquals(first.progress(), restored.progress(), "the progress reads back as it was written, cut " + cut);
            assertEquals(first.liveTrials().keySet(), restored.liveTrials().keySet(), "cut " + cut);
            batches.subList(cut, batches.size()).forEach(restored::train);
            assertEquals(whole.leaderboard(), restored.leaderboard(), "cut " + cut);
            assertEquals(whole.promotions(), restored.promotions());
            assertArrayEquals(whole.lead().network().params().toFloatVector(), restored.lead().network().params().toFloatVector(),
                    "cut " + cut);
        }
        assertTrue(whole.done(), "the run finished its search");
    }

    /** A spec whose search changed since the snapshot starts a new search instead of mixing the two. */
    @Test
    void aChangedSearchStartsAfresh() throws Exception {
        ModelSpec model = SpecParser.parse(spec("{strategy: random, trials: 4, budget: {examples: 400}, seed: 2}", 0.0015, 0.15));
        ModelSpec changed = SpecParser
                .parse(spec("{strategy: random, trials: 4, budget: {examples: 400}, seed: 3}", 0.0015, 0.15));
        SearchRun run = new SearchRun(model.search());
        stream(4, 20).forEach(run::train);
        byte[] file = SearchSnapshots.encode(run, model, 1, Map.of(), Map.of());
        assertEquals(run.progress(), SearchSnapshots.restore(file, model).progress());
        assertEquals(new SearchRun(changed.search()).progress(), SearchSnapshots.restore(file, changed).progress());
    }
}
