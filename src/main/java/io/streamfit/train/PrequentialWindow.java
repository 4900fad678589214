package io.streamfit.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Prequential (test-then-train) evaluation over a sliding window of the last {@code size}
 * mini-batches: each batch is scored by the model <em>before</em> it trains on it (Dawid 1984;
 * Gama et al. 2013). Loss is the mean per-example loss over the window; accuracy the fraction of
 * correct labels (NaN for regression, which has none).
 *
 * <p>Sums run from the oldest batch to the newest, so the window's figures depend only on its
 * {@link #entries() entries} and their order, not on where they sit in the ring: a window
 * {@link #restore restored} from its entries gives bitwise the same loss, accuracy and batch
 * count as the one they were taken from, and goes on sliding exactly as it would have.
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

    /** One scored batch: its summed loss, correct and judged labels, and examples. */
    public record Entry(double lossSum, long correct, long judged, long examples) {}

    public void add(double lossSum, long correctLabels, long judgedLabels, long batchExamples) {
        loss[next] = lossSum;
        correct[next] = correctLabels;
        judged[next] = judgedLabels;
        examples[next] = batchExamples;
        next = (next + 1) % loss.length;
        filled = Math.min(filled + 1, loss.length);
    }

    /** Index in the ring of the {@code k}-th oldest entry. */
    private int at(int k) {
        return (next - filled + k + loss.length) % loss.length;
    }

    public double loss() {
        double l = 0;
        long n = 0;
        for (int k = 0; k < filled; k++) {
            l += loss[at(k)];
            n += examples[at(k)];
        }
        return n == 0 ? Double.NaN : l / n;
    }

    public double accuracy() {
        long c = 0;
        long j = 0;
        for (int k = 0; k < filled; k++) {
            c += correct[at(k)];
            j += judged[at(k)];
        }
        return j == 0 ? Double.NaN : (double) c / j;
    }

    public int batches() {
        return filled;
    }

    /** The most batches the window holds. */
    public int size() {
        return loss.length;
    }

    /** The batches in the window, oldest first. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>(filled);
        for (int k = 0; k < filled; k++) {
            int i = at(k);
            out.add(new Entry(loss[i], correct[i], judged[i], examples[i]));
        }
        return out;
    }

    /**
     * Replaces the window's contents with {@code entries} (oldest first), as {@link #entries()}
     * gave them. When there are more than the window holds (its size was lowered in the spec),
     * the newest ones are kept, as if the smaller window had slid over them.
     */
    public void restore(List<Entry> entries) {
        next = 0;
        filled = 0;
        for (Entry e : entries.subList(Math.max(0, entries.size() - loss.length), entries.size())) {
            add(e.lossSum(), e.correct(), e.judged(), e.examples());
        }
    }

    /** Sums over the window. */
    public record Totals(double lossSum, long correct, long judged, long examples, int batches) {}

    public Totals totals() {
        double l = 0;
        long c = 0;
        long j = 0;
        long n = 0;
        for (int k = 0; k < filled; k++) {
            int i = at(k);
            l += loss[i];
            c += correct[i];
            j += judged[i];
            n += examples[i];
        }
        return new Totals(l, c, j, n, filled);
    }
}
