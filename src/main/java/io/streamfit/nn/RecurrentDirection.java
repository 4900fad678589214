package io.streamfit.nn;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One layer of one direction of a recurrent layer: its four tensors ({@code weight_ih},
 * {@code weight_hh}, {@code bias_ih}, {@code bias_hh}, gates stacked in PyTorch's order) and the
 * pass through time over a batch of sequences of their own lengths.
 *
 * <p>Forward: the input projection of every step at once ({@code [N*T, in] x W_ih^T}, one GEMM),
 * then per step one GEMM for the recurrent projection and one fused {@link RecurrentCell} pass
 * per example. An example whose sequence has ended (step {@code t >= length}) keeps its state, so
 * the forward direction's final state is its state at the last step, and the reverse direction,
 * which starts at each sequence's own last step, sees zeros before it: exactly PyTorch's packed
 * sequences.
 *
 * <p>Backward runs the steps in reverse with one GEMM per step for the gradient reaching the
 * previous state, then the weight gradients of all steps as two GEMMs. With truncation
 * {@code k > 0} each example's gradient goes back only through the last {@code k} steps the
 * direction processed (as if the state before them were detached).
 *
 * <p>Recurrent dropout {@code mask} ({@code [N, H]}, one per sequence, Gal and Ghahramani 2016)
 * multiplies the state where it enters {@code W_hh}; the LSTM's cell path and the GRU's
 * {@code z * h'} use the state itself.
 */
final class RecurrentDirection {
    final RecurrentCell cell;
    final boolean reverse;
    final int in;
    final int hs;
    private final int gh;
    private INDArray wIh, wHh, bIh, bHh, dWIh, dWHh, dBIh, dBHh;

    RecurrentDirection(RecurrentCell cell, boolean reverse, int in, int hiddenSize) {
        this.cell = cell;
        this.reverse = reverse;
        this.in = in;
        this.hs = hiddenSize;
        this.gh = cell.gates * hiddenSize;
    }

    void bind(INDArray[] params, INDArray[] grads) {
        wIh = params[0];
        wHh = params[1];
        bIh = params[2];
        bHh = params[3];
        dWIh = grads[0];
        dWHh = grads[1];
        dBIh = grads[2];
        dBHh = grads[3];
    }

    /** Everything one pass keeps for its backward, for a batch of {@code n} sequences of up to {@code t} steps. */
    static final class Trace {
        final int n, t;
        final double[] gx, acts, h, c, hn, hIn, gh, zeros;
        final INDArray gxArr, hArr, ghArr;
        INDArray x, wIh, wHh;
        double[] bIh, bHh;
        int[] lengths;
        double[] mask;

        /** {@code type}: the precision of the matrix products (the model's). */
        Trace(RecurrentDirection d, int n, int t, DataType type) {
            this.n = n;
            this.t = t;
            int gates = Math.toIntExact((long) n * t * d.gh), states = Math.toIntExact((long) n * t * d.hs);
            gx = new double[gates];
            acts = new double[gates];
            h = new double[states];
            c = d.cell == RecurrentCell.LSTM ? new double[states] : new double[0];
            hn = d.cell == RecurrentCell.GRU ? new double[states] : new double[0];
            hIn = new double[states];
            gh = new double[n * d.gh];
            zeros = new double[Math.max(n * d.gh, n * d.hs)];
            gxArr = Nd4j.create(type, (long) n * t, d.gh);
            hArr = Nd4j.create(type, n, d.hs);
            ghArr = Nd4j.create(type, n, d.gh);
        }
    }

    /**
     * Runs the direction over {@code x} ({@code [N*T, in]}, row {@code n*T + t}, float64) and
     * returns the trace; its {@code h} holds the state after each step, {@code [t][n][H]}.
     */
    Trace forward(Trace tr, INDArray x, int[] lengths, double[] mask) {
        tr.x = x;
        tr.lengths = lengths;
        tr.mask = mask;
        tr.wIh = NativeDoubles.dense(wIh, x.dataType());
        tr.wHh = NativeDoubles.dense(wHh, x.dataType());
        tr.bIh = bIh.castTo(DataType.DOUBLE).toDoubleVector();
        tr.bHh = bHh.castTo(DataType.DOUBLE).toDoubleVector();
        int n = tr.n, steps = tr.t;
        Nd4j.gemm(x, tr.wIh, tr.gxArr, false, true, 1.0, 0.0);
        NativeDoubles.get(tr.gxArr, tr.gx, n * steps * gh);
        for (int s = 0; s < steps; s++) {
            int t = reverse ? steps - 1 - s : s;
            int tp = reverse ? t + 1 : t - 1;
            double[] ghv = tr.zeros;
            if (s == 0) {
                Arrays.fill(tr.hIn, t * n * hs, (t + 1) * n * hs, 0); // the initial state is zero
            } else {
                int from = tp * n * hs, to = t * n * hs;
                for (int k = 0; k < n * hs; k++) {
                    tr.hIn[to + k] = mask == null ? tr.h[from + k] : tr.h[from + k] * mask[k];
                }
                NativeDoubles.put(tr.hIn, to, n * hs, tr.hArr);
                Nd4j.gemm(tr.hArr, tr.wHh, tr.ghArr, false, true, 1.0, 0.0);
                ghv = NativeDoubles.get(tr.ghArr, tr.gh, n * gh);
            }
            for (int row = 0; row < n; row++) {
                int ho = (t * n + row) * hs;
                int hpo = (tp * n + row) * hs;
                if (t < lengths[row]) {
                    double[] prev = s > 0 ? tr.h : tr.zeros;
                    double[] cPrev = s > 0 ? tr.c : tr.zeros;
                    int po = s > 0 ? hpo : 0;
                    cell.forward(hs, tr.gx, (row * steps + t) * gh, ghv, row * gh, tr.bIh, tr.bHh, prev, po, cPrev, po,
                            tr.acts, (t * n + row) * gh, tr.c, ho, tr.hn, ho, tr.h, ho);
                } else if (s > 0) { // the sequence has ended (forward) or not begun (reverse): the state stays
                    System.arraycopy(tr.h, hpo, tr.h, ho, hs);
                    if (tr.c.length > 0) {
                        System.arraycopy(tr.c, hpo, tr.c, ho, hs);
                    }
                } else {
                    Arrays.fill(tr.h, ho, ho + hs, 0);
                    if (tr.c.length > 0) {
                        Arrays.fill(tr.c, ho, ho + hs, 0);
                    }
                }
            }
        }
        return tr;
    }

    /**
     * Backward through time. {@code dy} is the gradient at this direction's per-step outputs,
     * {@code dy[(row*T + t)*stride + offset + j]} (null: none), {@code dLast} the gradient at its
     * final state {@code [N, H]} (null: none). Writes the four tensors' gradients (overwriting)
     * and returns dL/dx {@code [N*T, in]}, or null when {@code inputGradient} is false.
     */
    INDArray backward(Trace tr, double[] dy, int stride, int offset, double[] dLast, int truncate, boolean inputGradient) {
        int n = tr.n, steps = tr.t;
        double[] dh = new double[n * hs];
        double[] dhRow = new double[hs];
        double[] dc = new double[n * hs];
        double[] direct = new double[n * hs];
        double[] dgx = new double[n * steps * gh];
        double[] dgh = new double[steps * n * gh];
        double[] back = new double[n * hs];
        boolean[] live = new boolean[n];
        if (dLast != null) {
            System.arraycopy(dLast, 0, dh, 0, n * hs);
        }
        DataType type = tr.x.dataType();
        INDArray dghStep = Nd4j.create(type, n, gh);
        INDArray dhStep = Nd4j.create(type, n, hs);
        for (int s = steps - 1; s >= 0; s--) {
            int t = reverse ? steps - 1 - s : s;
            int tp = reverse ? t + 1 : t - 1;
            for (int row = 0; row < n; row++) {
                int len = tr.lengths[row];
                live[row] = false;
                if (t >= len) {
                    continue; // past the end: the final state's gradient passes through unchanged
                }
                boolean window = truncate == 0 || (reverse ? t < truncate : t >= len - truncate);
                int ro = row * hs;
                if (!window) {
                    Arrays.fill(dh, ro, ro + hs, 0);
                    Arrays.fill(dc, ro, ro + hs, 0);
                    continue;
                }
                live[row] = true;
                for (int j = 0; j < hs; j++) {
                    dhRow[j] = dh[ro + j] + (dy == null ? 0 : dy[(row * steps + t) * stride + offset + j]);
                }
                int ho = (t * n + row) * hs;
                int hpo = s > 0 ? (tp * n + row) * hs : 0;
                double[] prev = s > 0 ? tr.h : tr.zeros;
                double[] cPrev = s > 0 ? tr.c : tr.zeros;
                cell.backward(hs, dhRow, 0, tr.acts, (t * n + row) * gh, tr.c, ho, cPrev, hpo, tr.hn, ho, tr.h, ho, prev, hpo, dc,
                        ro, dgx, (row * steps + t) * gh, dgh, (t * n + row) * gh, direct, ro);
            }
            if (s == 0) {
                break;
            }
            NativeDoubles.put(dgh, t * n * gh, n * gh, dghStep);
            Nd4j.gemm(dghStep, tr.wHh, dhStep, false, false, 1.0, 0.0);
            NativeDoubles.get(dhStep, back, n * hs);
            for (int row = 0; row < n; row++) {
                if (!live[row]) {
                    continue;
                }
                int ro = row * hs;
                for (int j = 0; j < hs; j++) {
                    double m = tr.mask == null ? 1 : tr.mask[ro + j];
                    dh[ro + j] = back[ro + j] * m + (cell == RecurrentCell.GRU ? direct[ro + j] : 0);
                }
            }
        }
        INDArray dgxArr = matrix(dgx, (long) n * steps, gh, type);
        INDArray dghArr = matrix(dgh, (long) steps * n, gh, type);
        INDArray hInArr = matrix(tr.hIn, (long) steps * n, hs, type);
        dWIh.assign(Nd4j.gemm(dgxArr, tr.x, true, false).castTo(dWIh.dataType()));
        dWHh.assign(Nd4j.gemm(dghArr, hInArr, true, false).castTo(dWHh.dataType()));
        dBIh.assign(dgxArr.sum(0).castTo(dBIh.dataType()));
        dBHh.assign(dghArr.sum(0).castTo(dBHh.dataType()));
        return inputGradient ? Nd4j.gemm(dgxArr, tr.wIh, false, false) : null;
    }

    private static INDArray matrix(double[] values, long rows, int cols, DataType type) {
        INDArray a = Nd4j.create(type, rows, cols);
        NativeDoubles.put(values, 0, values.length, a);
        return a;
    }
}
