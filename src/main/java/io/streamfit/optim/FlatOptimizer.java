package io.streamfit.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Shared base of the optimizers: owns the step count and the state buffers, and moves the
 * parameters and gradients between ND4J's native buffers and Java arrays in bulk.
 *
 * <p>Why Java arrays: ND4J's own Adam op took about 1.4 ms per step over 269k parameters here
 * (nine in-place ND4J ops: 0.86 ms), while the arithmetic is one pass over a few megabytes. A
 * fused loop over primitive arrays, which the JIT vectorizes, plus two bulk copies is that one
 * pass; {@code TrainingStepBenchmark} measures it. Subclasses write only the per-element rule in
 * {@link #update}, and per-step scalars (bias corrections, momentum caches) in {@link #beginStep}.
 *
 * <p>Frozen parameters ({@link #freeze}) are left out of the update entirely, as PyTorch leaves out
 * a tensor with {@code requires_grad=False}: no weight decay, no state change. The kernels run
 * over the trainable ranges only, so freezing costs nothing per element.
 */
public abstract class FlatOptimizer implements Optimizer {
    private final INDArray params;
    private final INDArray grads;
    private final float[] p;
    private final float[] g;
    private final Map<String, float[]> state = new LinkedHashMap<>();
    private final Map<String, Float> initial = new LinkedHashMap<>();
    /** Half-open {@code [from, to)} index ranges that are trained; all of the buffer by default. */
    private int[][] trainable;
    private long steps;
    /** {@link #steps} when the state was last reset: the rules see {@code steps - stateOrigin}. */
    private long stateOrigin;

    protected FlatOptimizer(INDArray params, INDArray grads) {
        if (params.dataType() != DataType.FLOAT || grads.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("optimizers run on float32 parameters, got " + params.dataType());
        }
        if (params.length() != grads.length() || params.isView() || grads.isView()) {
            throw new IllegalArgumentException("parameters and gradients must be flat buffers of equal length");
        }
        this.params = params;
        this.grads = grads;
        this.p = new float[Math.toIntExact(params.length())];
        this.g = new float[p.length];
        this.trainable = new int[][] {{0, p.length}};
    }

    /**
     * Excludes {@code [from, to)} ranges of the flat buffer from every update (frozen layers).
     * Call before the first step; the ranges must lie within the buffer.
     */
    public final void freeze(List<long[]> ranges) {
        boolean[] frozen = new boolean[p.length];
        for (long[] r : ranges) {
            if (r[0] < 0 || r[1] > p.length || r[0] > r[1]) {
                throw new IllegalArgumentException("frozen range [" + r[0] + ", " + r[1] + ") outside [0, " + p.length + ")");
            }
            Arrays.fill(frozen, (int) r[0], (int) r[1], true);
        }
        List<int[]> runs = new ArrayList<>();
        int i = 0;
        while (i < frozen.length) {
            if (frozen[i]) {
                i++;
                continue;
            }
            int start = i;
            while (i < frozen.length && !frozen[i]) {
                i++;
            }
            runs.add(new int[] {start, i});
        }
        trainable = runs.toArray(new int[0][]);
    }

    /** Number of parameters the updates touch (all minus the frozen ones). */
    public final long trainableCount() {
        long n = 0;
        for (int[] r : trainable) {
            n += r[1] - r[0];
        }
        return n;
    }

    /** Declares a state buffer, zero-filled (or {@code initial}). */
    protected final float[] addState(String name, float initial) {
        float[] buffer = new float[p.length];
        if (initial != 0f) {
            Arrays.fill(buffer, initial);
        }
        state.put(name, buffer);
        this.initial.put(name, initial);
        return buffer;
    }

    @Override
    public final void step(double lr, float gradScale) {
        // JavaCPP's pointer copies measured 62 us per MB here, NIO's bulk get 91 us.
        FloatPointer pp = (FloatPointer) params.data().addressPointer();
        FloatPointer gp = (FloatPointer) grads.data().addressPointer();
        pp.get(p);
        gp.get(g);
        steps++;
        long stateStep = steps - stateOrigin;
        beginStep(lr, stateStep);
        for (int[] r : trainable) {
            update(p, g, r[0], r[1], gradScale, lr, stateStep);
        }
        pp.put(p);
        if (steps % FLUSH_EVERY == 0) {
            flushSubnormals();
        }
    }

    /**
     * How often state buffers are swept for subnormal values. A parameter whose gradient stays
     * zero (a dead ReLU unit, a pixel that is always black) decays its moments geometrically into
     * the subnormal range below 1.2e-38, where x86 float arithmetic is 10-100x slower: measured
     * here, an Adam step over 269k parameters went from 0.2 ms to 2.7 ms. Flushing them to zero
     * (what {@code torch.set_flush_denormal(True)} does in hardware) changes each affected update
     * by less than 1e-30. A sweep every 64 steps keeps the vectorized kernel branch-free and costs
     * about 2 us per step; it depends only on the step count, so it is deterministic and restores
     * exactly from a snapshot.
     */
    static final int FLUSH_EVERY = 64;

    private void flushSubnormals() {
        for (float[] buffer : state.values()) {
            for (int i = 0; i < buffer.length; i++) {
                if (Math.abs(buffer[i]) < Float.MIN_NORMAL) {
                    buffer[i] = 0f;
                }
            }
        }
    }

    /**
     * Called once per step before {@link #update}, for scalars that depend on the step only;
     * {@code step} counts from 1.
     */
    protected void beginStep(double lr, long step) {}

    /**
     * The rule itself, over elements {@code [from, to)}: {@code p} is updated in place, {@code g}
     * holds the raw gradients (multiply by {@code gradScale} first), {@code step} counts from 1.
     * May be called several times per step, once per trainable range.
     */
    protected abstract void update(float[] p, float[] g, int from, int to, float gradScale, double lr, long step);

    /**
     * Called after {@link #restoreSteps} and {@link #resetState}, for scalar state that is a
     * function of the state's step count ({@code steps} counts the steps since the last reset).
     */
    protected void stepsRestored(long steps) {}

    @Override
    public final long steps() {
        return steps;
    }

    @Override
    public final void restoreSteps(long steps) {
        this.steps = steps;
        stepsRestored(steps - stateOrigin);
    }

    @Override
    public final void resetState() {
        for (Map.Entry<String, float[]> e : state.entrySet()) {
            float[] buffer = e.getValue();
            float value = initial.get(e.getKey());
            for (int[] r : trainable) {
                Arrays.fill(buffer, r[0], r[1], value); // frozen ranges were never touched
            }
        }
        stateOrigin = steps;
        stepsRestored(0);
    }

    @Override
    public final long stateOrigin() {
        return stateOrigin;
    }

    @Override
    public final void restoreStateOrigin(long origin) {
        if (origin < 0 || origin > steps) {
            throw new IllegalArgumentException("state origin " + origin + " outside [0, " + steps + "]");
        }
        this.stateOrigin = origin;
        stepsRestored(steps - origin);
    }

    @Override
    public final List<String> stateNames() {
        return List.copyOf(state.keySet());
    }

    @Override
    public final float[] state(String name) {
        float[] buffer = state.get(name);
        if (buffer == null) {
            throw new IllegalArgumentException(type() + " has no state '" + name + "', only " + state.keySet());
        }
        return buffer;
    }
}
