package io.streamfit.nn;

/**
 * How a sequence example lies in one row of the network's input, the layout every part of
 * streamfit shares (record decoders, recurrent layers, the replay buffer, snapshots' users):
 *
 * <pre>
 *   row = [ x[0][0] .. x[0][F-1],  x[1][0] .. x[1][F-1],  ...,  x[T-1][F-1],  length ]
 *           step 0                 step 1                       step T-1
 * </pre>
 *
 * {@code T} is the spec's {@code sequence.length} (the longest sequence), {@code F} its
 * {@code features}; step {@code t}'s feature {@code f} is at {@code t * F + f}, steps at or after
 * the sequence's own length are zero, and the last column holds the length as a float (exact up
 * to 2^24). A whole mini-batch of rows is {@code [batch, T * F + 1]}, which is PyTorch's
 * {@code batch_first=True} layout {@code [batch, T, F]} with the lengths beside it. Keeping the
 * sequence in one flat row lets batching, replay and the held-out slice treat sequence examples
 * like any other.
 */
public final class SequenceRows {
    /** The most steps a sequence may declare. */
    public static final int MAX_STEPS = 100_000;

    private SequenceRows() {}

    /** The width of a row holding up to {@code steps} steps of {@code features} values. */
    public static int width(int steps, int features) {
        return Math.toIntExact((long) steps * features + 1);
    }

    /** The number of steps a row of {@code width} holds for {@code features} values per step. */
    public static int steps(int width, int features) {
        return (width - 1) / features;
    }

    /** The length {@code stored} in the last column of row {@code row}, checked to be a whole number in {@code [1, steps]}. */
    public static int length(double stored, int steps, int row) {
        int length = (int) stored;
        if (length != stored || length < 1 || length > steps) {
            throw new IllegalArgumentException("row " + row + " declares a sequence length of " + stored
                    + "; it must be a whole number of steps in [1, " + steps + "]");
        }
        return length;
    }
}
