package io.streamfit.train;

import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import java.util.Arrays;

/**
 * Experience replay against forgetting: a fixed-size uniform sample of every example the model has
 * been given, kept by reservoir sampling (Vitter 1985, Algorithm R), and mixed into each training
 * mini-batch.
 *
 * <pre>
 *   add the n-th example (n from 1):  n &lt;= capacity: slot n - 1;  else j = uniform{0..n-1}, j &lt; capacity: slot j
 *   each step:  k = round(fraction * B / (1 - fraction)) past examples, uniform with replacement,
 *               drawn before the batch's own are added; the model trains on B + k rows, so k / (B + k) = fraction
 * </pre>
 *
 * Call order, on the training thread: {@link #withReplayed} for a batch (which only reads the
 * reservoir), the training step, then {@link #add} with the same batch. Its generator is its own
 * (seeded from the spec's seed), so the model's dropout and augmentation draws are the same with
 * and without replay. The contents, the count and the generator are in every snapshot
 * ({@code replay.x}, {@code replay.y}, metadata {@code replay}), so a restored model replays
 * exactly what the original would have.
 */
public final class ReplayBuffer {
    private final int capacity;
    private final int width;
    private final int targetWidth;
    private final double fraction;
    private final float[] x;
    private final float[] y;
    private final SplitMix64 rng;
    private int filled;
    private long seen;
    // Reused for the combined batch while its size stays the same (training thread only).
    private float[] bx;
    private float[] by;

    /** The counts and the generator's state; the contents are the snapshot's tensors. */
    public record State(long seen, int filled, long rngState) {}

    public ReplayBuffer(ModelSpec spec) {
        ModelSpec.ReplaySpec r = spec.replay();
        this.capacity = r.capacity();
        this.width = spec.inputWidth();
        this.targetWidth = targetWidth(spec);
        this.fraction = r.fraction();
        this.x = new float[Math.multiplyExact(capacity, width)];
        this.y = new float[Math.multiplyExact(capacity, targetWidth)];
        this.rng = new SplitMix64(spec.seed() ^ 0x7265706c6179L); // "replay"
    }

    /** Floats per example's target: 1 for a class index, else the task's width. */
    public static int targetWidth(ModelSpec spec) {
        return spec.task().type() == ModelSpec.TaskType.CLASSIFICATION ? 1 : spec.task().width();
    }

    /** Past examples drawn for a batch of {@code size}: 0 while the reservoir is empty. */
    int replayedFor(int size) {
        return filled == 0 ? 0 : (int) Math.round(fraction * size / (1 - fraction));
    }

    /** {@code fresh} followed by {@link #replayedFor} past examples, or {@code fresh} itself when there are none. */
    Batch withReplayed(Batch fresh) {
        int k = replayedFor(fresh.size());
        if (k == 0) {
            return fresh;
        }
        int n = fresh.size() + k;
        if (bx == null || bx.length != n * width) {
            bx = new float[n * width];
            by = new float[n * targetWidth];
        }
        System.arraycopy(fresh.x(), 0, bx, 0, fresh.size() * width);
        System.arraycopy(fresh.y(), 0, by, 0, fresh.size() * targetWidth);
        for (int i = fresh.size(); i < n; i++) {
            int slot = (int) (rng.nextDouble() * filled);
            System.arraycopy(x, slot * width, bx, i * width, width);
            System.arraycopy(y, slot * targetWidth, by, i * targetWidth, targetWidth);
        }
        return new Batch(n, width, bx, targetWidth, by);
    }

    /** Offers every example of {@code fresh} to the reservoir (Algorithm R). */
    void add(Batch fresh) {
        for (int i = 0; i < fresh.size(); i++) {
            seen++;
            int slot;
            if (filled < capacity) {
                slot = filled++;
            } else {
                long j = (long) (rng.nextDouble() * seen);
                if (j >= capacity) {
                    continue;
                }
                slot = (int) j;
            }
            System.arraycopy(fresh.x(), i * width, x, slot * width, width);
            System.arraycopy(fresh.y(), i * targetWidth, y, slot * targetWidth, targetWidth);
        }
    }

    /** Examples offered so far. */
    public long seen() {
        return seen;
    }

    /** Examples held (at most the capacity). */
    public int filled() {
        return filled;
    }

    public int width() {
        return width;
    }

    public int targetWidth() {
        return targetWidth;
    }

    /** The held inputs, {@code filled x width}, row-major (a copy). */
    public float[] inputs() {
        return Arrays.copyOf(x, filled * width);
    }

    /** The held targets, {@code filled x targetWidth} (a copy). */
    public float[] targets() {
        return Arrays.copyOf(y, filled * targetWidth);
    }

    public State state() {
        return new State(seen, filled, rng.state());
    }

    /**
     * Restores the reservoir: {@code inputs} and {@code targets} hold {@code state.filled()} rows.
     * A reservoir saved with another capacity (the spec changed it) keeps its first
     * {@code min(held, capacity)} rows and counts from there, so the slots left fill first.
     *
     * @throws IllegalArgumentException if the sizes or counts do not fit the tensors (names them)
     */
    public void restore(State state, float[] inputs, float[] targets) {
        if (state.filled() < 0 || state.seen() < state.filled() || inputs.length != (long) state.filled() * width
                || targets.length != (long) state.filled() * targetWidth) {
            throw new IllegalArgumentException("replay: " + state.filled() + " rows of width " + width + " and "
                    + targetWidth + " after " + state.seen() + " examples do not fit tensors of " + inputs.length + " and "
                    + targets.length + " floats");
        }
        int kept = Math.min(state.filled(), capacity);
        System.arraycopy(inputs, 0, x, 0, kept * width);
        System.arraycopy(targets, 0, y, 0, kept * targetWidth);
        filled = kept;
        boolean sameCapacity = state.filled() < capacity ? state.seen() == state.filled() : state.filled() == capacity;
        seen = sameCapacity ? state.seen() : kept;
        rng.setState(state.rngState());
    }
}
