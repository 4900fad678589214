package io.streamfit.nn;

/**
 * The cells of {@code nn.RNN}, {@code nn.LSTM} and {@code nn.GRU}, one step for one example, as
 * fused loops over primitive buffers: each reads the step's input projection {@code gx = W_ih x}
 * and recurrent projection {@code gh = W_hh h'} (both without bias, computed by BLAS for the whole
 * batch) and does every elementwise operation of the step in one pass, where ND4J would take a
 * dozen ops of 6-25 us each. Gates are stored consecutively in PyTorch's order; {@code H} is the
 * hidden size and {@code h'} the previous state.
 *
 * <pre>
 * RNN:  h = tanh(gx + b_ih + gh + b_hh)                  (or relu)
 * LSTM: i, f, g, o = s(.), s(.), tanh(.), s(.) of gx + b_ih + gh + b_hh, gates in that order
 *       c = f * c' + i * g,   h = o * tanh(c)
 * GRU:  r, z = s(gx_r + b_ir + gh_r + b_hr), s(gx_z + b_iz + gh_z + b_hz)
 *       n = tanh(gx_n + b_in + r * (gh_n + b_hn)),   h = (1 - z) * n + z * h'
 * </pre>
 *
 * Backward takes {@code dh} (the whole gradient at {@code h}) and writes the pre-activation
 * gradients twice: {@code dgx} (for {@code W_ih}, {@code b_ih} and the input) and {@code dgh} (for
 * {@code W_hh}, {@code b_hh} and the previous state); they differ only in the GRU's {@code n} gate,
 * {@code dgh_n = dgx_n * r}. What reaches {@code h'} other than through {@code W_hh} (the GRU's
 * {@code z * dh}) goes to {@code dhDirect}; the LSTM's cell gradient flows through {@code dc},
 * which holds {@code dL/dc} from the later step on entry and {@code dL/dc'} on return.
 */
enum RecurrentCell {
    RNN_TANH(1), RNN_RELU(1), LSTM(4), GRU(3);

    /** How many gate blocks of {@code H} rows {@code W_ih} and {@code W_hh} stack. */
    final int gates;

    RecurrentCell(int gates) {
        this.gates = gates;
    }

    /**
     * One step of one example. Offsets: {@code gx}, {@code gh} and {@code acts} rows of
     * {@code gates * H}; {@code hPrev}, {@code cPrev}, {@code c}, {@code hn} and {@code h} rows of
     * {@code H}. {@code c}/{@code cPrev} are the LSTM's cell, {@code hn} the GRU's {@code gh_n + b_hn}.
     */
    void forward(int hs, double[] gx, int gxo, double[] gh, int gho, double[] bih, double[] bhh, double[] hPrev, int hpo,
            double[] cPrev, int cpo, double[] acts, int ao, double[] c, int co, double[] hn, int hno, double[] h, int ho) {
        switch (this) {
            case RNN_TANH, RNN_RELU -> {
                boolean tanh = this == RNN_TANH;
                for (int j = 0; j < hs; j++) {
                    double a = gx[gxo + j] + bih[j] + gh[gho + j] + bhh[j];
                    h[ho + j] = tanh ? tanh(a) : Math.max(a, 0.0);
                }
            }
            case LSTM -> {
                for (int j = 0; j < hs; j++) {
                    double i = sigmoid(gx[gxo + j] + bih[j] + gh[gho + j] + bhh[j]);
                    double f = sigmoid(gx[gxo + hs + j] + bih[hs + j] + gh[gho + hs + j] + bhh[hs + j]);
                    double g = tanh(gx[gxo + 2 * hs + j] + bih[2 * hs + j] + gh[gho + 2 * hs + j] + bhh[2 * hs + j]);
                    double o = sigmoid(gx[gxo + 3 * hs + j] + bih[3 * hs + j] + gh[gho + 3 * hs + j] + bhh[3 * hs + j]);
                    double cell = f * cPrev[cpo + j] + i * g;
                    acts[ao + j] = i;
                    acts[ao + hs + j] = f;
                    acts[ao + 2 * hs + j] = g;
                    acts[ao + 3 * hs + j] = o;
                    c[co + j] = cell;
                    h[ho + j] = o * tanh(cell);
                }
            }
            case GRU -> {
                for (int j = 0; j < hs; j++) {
                    double r = sigmoid(gx[gxo + j] + bih[j] + gh[gho + j] + bhh[j]);
                    double z = sigmoid(gx[gxo + hs + j] + bih[hs + j] + gh[gho + hs + j] + bhh[hs + j]);
                    double hnj = gh[gho + 2 * hs + j] + bhh[2 * hs + j];
                    double n = tanh(gx[gxo + 2 * hs + j] + bih[2 * hs + j] + r * hnj);
                    acts[ao + j] = r;
                    acts[ao + hs + j] = z;
                    acts[ao + 2 * hs + j] = n;
                    hn[hno + j] = hnj;
                    h[ho + j] = (1 - z) * n + z * hPrev[hpo + j];
                }
            }
        }
    }

    /** Backward of {@link #forward} for one step of one example; see the class comment. */
    void backward(int hs, double[] dh, int dho, double[] acts, int ao, double[] c, int co, double[] cPrev, int cpo,
            double[] hn, int hno, double[] h, int ho, double[] hPrev, int hpo, double[] dc, int dco, double[] dgx, int dgxo,
            double[] dgh, int dgho, double[] dhDirect, int ddo) {
        switch (this) {
            case RNN_TANH, RNN_RELU -> {
                boolean tanh = this == RNN_TANH;
                for (int j = 0; j < hs; j++) {
                    double y = h[ho + j];
                    double d = dh[dho + j] * (tanh ? 1 - y * y : (y > 0 ? 1 : 0));
                    dgx[dgxo + j] = d;
                    dgh[dgho + j] = d;
                }
            }
            case LSTM -> {
                for (int j = 0; j < hs; j++) {
                    double i = acts[ao + j], f = acts[ao + hs + j], g = acts[ao + 2 * hs + j], o = acts[ao + 3 * hs + j];
                    double tc = tanh(c[co + j]);
                    double d = dh[dho + j];
                    double dcell = dc[dco + j] + d * o * (1 - tc * tc);
                    double di = dcell * g * i * (1 - i);
                    double df = dcell * cPrev[cpo + j] * f * (1 - f);
                    double dg = dcell * i * (1 - g * g);
                    double dout = d * tc * o * (1 - o);
                    dc[dco + j] = dcell * f;
                    dgx[dgxo + j] = di;
                    dgx[dgxo + hs + j] = df;
                    dgx[dgxo + 2 * hs + j] = dg;
                    dgx[dgxo + 3 * hs + j] = dout;
                    dgh[dgho + j] = di;
                    dgh[dgho + hs + j] = df;
                    dgh[dgho + 2 * hs + j] = dg;
                    dgh[dgho + 3 * hs + j] = dout;
                }
            }
            case GRU -> {
                for (int j = 0; j < hs; j++) {
                    double r = acts[ao + j], z = acts[ao + hs + j], n = acts[ao + 2 * hs + j];
                    double d = dh[dho + j];
                    double dan = d * (1 - z) * (1 - n * n);
                    double dar = dan * hn[hno + j] * r * (1 - r);
                    double daz = d * (hPrev[hpo + j] - n) * z * (1 - z);
                    dhDirect[ddo + j] = d * z;
                    dgx[dgxo + j] = dar;
                    dgx[dgxo + hs + j] = daz;
                    dgx[dgxo + 2 * hs + j] = dan;
                    dgh[dgho + j] = dar;
                    dgh[dgho + hs + j] = daz;
                    dgh[dgho + 2 * hs + j] = dan * r;
                }
            }
        }
    }

    /**
     * {@code tanh}, as accurate as {@code Math.tanh} to 5e-15 relative ({@code RecurrentCellTest}; the worst is just above 0.05; {@code Math.tanh} is
     * the slow FDLIBM port in Java 17, {@code Math.exp} an intrinsic): {@code 1 - 2 / (e^2x + 1)}
     * and, below 0.05 where that cancels, the Taylor series to x^9 (truncation below 1e-15 relative).
     */
    static double tanh(double x) {
        double a = Math.abs(x);
        if (a < 0.05) {
            double x2 = x * x;
            return x * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315 + x2 * (62.0 / 2835)))));
        }
        double t = 1 - 2 / (Math.exp(2 * a) + 1);
        return x < 0 ? -t : t;
    }

    private static double sigmoid(double a) {
        return 1 / (1 + Math.exp(-a));
    }
}
