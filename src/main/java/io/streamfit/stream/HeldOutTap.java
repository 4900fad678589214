package io.streamfit.stream;

import io.streamfit.spec.ModelSpec;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rows a model has not trained on, with the parameters they are held out from: what the loss
 * landscape is computed on. On {@link #request}, the training thread copies the parameters and
 * buffers before its next batch ({@link #offer}), then that batch's rows and the next batches'
 * until it has the rows asked for. Every row arrives after the copy, so none was trained into it:
 * the rows are held out in the prequential sense, and training goes on meanwhile, untouched.
 *
 * <p>Threads: {@link #offer} on the training thread; the rest from any thread. Captures may
 * overlap (a user's request and the periodic sharpness gauge): each gets its own copy. Completing
 * a capture's future runs no work on the training thread's behalf: whoever waits on it must hand
 * the work to its own thread (as {@code LandscapeJobs} does), since the future completes there.
 */
public final class HeldOutTap {
    /** The copy: the model's spec, its flat parameters and buffers, rows {@code x} and targets {@code y} (as {@link Batch} holds them). */
    public record Capture(ModelSpec spec, INDArray params, INDArray buffers, long steps, long version, int rows, int width,
            float[] x, int targetWidth, float[] y) {}

    /** The version of the last committed snapshot, recorded with the copy. */
    private final LongSupplier version;
    private final List<Pending> pending = new ArrayList<>();
    /** Whether {@link #pending} holds any: read without the lock on every batch, the training thread's hot path. */
    private volatile boolean capturing;

    HeldOutTap(LongSupplier version) {
        this.version = version;
    }

    private static final class Pending {
        final int rows;
        final CompletableFuture<Capture> done = new CompletableFuture<>();
        ModelSpec spec;
        INDArray params;
        INDArray buffers;
        long steps;
        long version;
        int taken;
        int width;
        int targetWidth;
        float[] x;
        float[] y;

        Pending(int rows) {
            this.rows = rows;
        }

        Capture capture() {
            return new Capture(spec, params, buffers, steps, version, taken, width, Arrays.copyOf(x, taken * width),
                    targetWidth, Arrays.copyOf(y, taken * targetWidth));
        }
    }

    /** Asks for {@code rows} held-out rows, copied from the next batches the model trains. */
    public synchronized CompletableFuture<Capture> request(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be ≥ 1, got " + rows);
        }
        Pending p = new Pending(rows);
        pending.add(p);
        capturing = true;
        return p.done;
    }

    /**
     * Ends the capture {@code request} returned, if it is still under way, with the rows it has
     * (the stream was too slow to fill it); when it has none, it fails with {@code why}.
     */
    public synchronized void cut(CompletableFuture<Capture> capture, String why) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext();) {
            Pending p = it.next();
            if (p.done == capture) {
                it.remove();
                capturing = !pending.isEmpty();
                if (p.taken > 0) {
                    p.done.complete(p.capture());
                } else {
                    p.done.completeExceptionally(new IllegalStateException(why));
                }
                return;
            }
        }
    }

    /** Before {@code state} trains {@code batch}: copies what a capture under way needs. Training thread. */
    void offer(ModelState state, Batch batch) {
        if (capturing && batch.size() > 0) {
            take(state, batch);
        }
    }

    private synchronized void take(ModelState state, Batch batch) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext();) {
            Pending p = it.next();
            if (p.params == null) {
                p.spec = state.spec();
                p.params = state.network().params().dup();
                p.buffers = state.network().buffers().dup();
                p.steps = state.steps();
                p.version = version.getAsLong();
                p.width = batch.width();
                p.targetWidth = batch.targetWidth();
                p.x = new float[p.rows * p.width];
                p.y = new float[p.rows * p.targetWidth];
            }
            int n = Math.min(batch.size(), p.rows - p.taken);
            System.arraycopy(batch.x(), 0, p.x, p.taken * p.width, n * p.width);
            System.arraycopy(batch.y(), 0, p.y, p.taken * p.targetWidth, n * p.targetWidth);
            p.taken += n;
            if (p.taken == p.rows) {
                it.remove();
                p.done.complete(p.capture());
            }
        }
        capturing = !pending.isEmpty();
    }

    /** Captures under way. */
    synchronized int pending() {
        return pending.size();
    }
}
