package io.streamfit.train;

/**
 * Prequential (test-then-train) evaluation over a sliding window of the last {@code size}
 * mini-batches: each batch is scored by the model <em>before</em> it trains on it (Dawid 1984;
 * Gama et al. 2013). Loss is the mean per-example loss over the window; accuracy the fraction of
 * correct labels (NaN for regression, which has none).
 */
public final class PrequentialWindow {
    private final double[] loss;
    private final long[] correct;
    private final long[] judged;
    private final long[] examples;
    private int next;
    private int filled;

    public PrequentialWindow(int size) {
        loss = new double[size];
        correct = new long[size];
        judged = new long[size];
        examples = new long[size];
    }

    public void add(double lossSum, long correctLabels, long judgedLabels, long batchExamples) {
        loss[next] = lossSum;
        correct[next] = correctLabels;
        judged[next] = judgedLabels;
        examples[next] = batchExamples;
        next = (next + 1) % loss.length;
        filled = Math.min(filled + 1, loss.length);
    }

    public double loss() {
        double l = 0;
        long n = 0;
        for (int i = 0; i < filled; i++) {
            l += loss[i];
            n += examples[i];
        }
        return n == 0 ? Double.NaN : l / n;
    }

    public double accuracy() {
        long c = 0;
        long j = 0;
        for (int i = 0; i < filled; i++) {
            c += correct[i];
            j += judged[i];
        }
        return j == 0 ? Double.NaN : (double) c / j;
    }

    public int batches() {
        return filled;
    }

    /** Sums over the window. */
    public record Totals(double lossSum, long correct, long judged, long examples, int batches) {}

    public Totals totals() {
        double l = 0;
        long c = 0;
        long j = 0;
        long n = 0;
        for (int i = 0; i < filled; i++) {
            l += loss[i];
            c += correct[i];
            j += judged[i];
            n += examples[i];
        }
        return new Totals(l, c, j, n, filled);
    }
}
