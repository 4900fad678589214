package io.streamfit.train;

import io.streamfit.nn.BatchNorm;
import io.streamfit.nn.Loss;
import io.streamfit.nn.Network;
import io.streamfit.nn.SplitMix64;
import io.streamfit.optim.FlatOptimizer;
import io.streamfit.optim.GradientClipper;
import io.streamfit.optim.Optimizer;
import io.streamfit.optim.Regularizer;
import io.streamfit.schedule.LrSchedule;
import io.streamfit.schedule.MetricSchedule;
import io.streamfit.spec.ModelSpec;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Everything one model is: its spec, network, optimizer and schedule, RNG, prequential window,
 * and counters. A snapshot is exactly this, with the lineage it belongs to (version and stream
 * positions: {@code snapshot.Lineage}) next to it.
 *
 * <p>Threading: {@link #train} runs on the model's one training thread. {@link #predict} may run
 * on any thread: it holds the read lock while the training thread holds the write lock only for
 * the optimizer's in-place update, so a prediction never sees a half-updated model and training
 * never waits for more than one forward pass.
 */
public final class ModelState {
    private final ModelSpec spec;
    private final Network network;
    private final Loss loss;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    /** The schedule's part that reads the loss ({@code plateau}), or null. */
    private final MetricSchedule metricSchedule;
    private final GradientClipper clipper;
    private final Regularizer regularizer;
    private final boolean hasBatchNorm;
    /** Training differs from prediction (dropout, noise, batch norm, augmentation): scoring needs its own pass. */
    private final boolean scoreSeparately;
    /** Gradient views of frozen tensors: zeroed after backward so clipping norms leave them out. */
    private final List<INDArray> frozenGrads;
    private final SplitMix64 rng;
    private final PrequentialWindow window;
    private final EarlyStopping earlyStopping;
    private final Augmenter augmenter;
    private final DriftWatch drift;
    private final ReplayBuffer replay;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    // Written by the training thread only; volatile so status endpoints read current values.
    private volatile long examplesSeen;
    private volatile long skippedSteps;
    private volatile long clippedSteps;
    // Divergence guard: see recordDivergenceRollback.
    private volatile int consecutiveBadSteps;
    private volatile double lrScale = 1;
    private volatile long divergenceRollbacks;
    private volatile int rollbacksInARow;
    private volatile long troubleAt;
    // Reused from step to step while the batch size stays the same (training thread only).
    private INDArray input;
    private INDArray outputGrad;
    private INDArray partnerGrad;
    private float[] augmented;

    private ModelState(ModelSpec spec) {
        this.spec = spec;
        this.network = ModelFactory.network(spec, DataType.FLOAT);
        this.loss = ModelFactory.loss(spec);
        FlatOptimizer opt = ModelFactory.optimizer(spec, network);
        List<long[]> frozen = ModelFactory.frozenRanges(spec, network);
        opt.freeze(frozen);
        this.optimizer = opt;
        this.frozenGrads = frozen.stream().map(r -> network.grads().get(NDArrayIndex.interval(r[0], r[1]))).toList();
        this.schedule = ModelFactory.schedule(spec);
        this.metricSchedule = schedule.metricSchedule();
        this.clipper = ModelFactory.clipper(spec, network);
        this.regularizer = ModelFactory.regularizer(spec, network);
        this.hasBatchNorm = network.anyLayer(l -> l instanceof BatchNorm);
        this.augmenter = spec.augmentation().any() ? new Augmenter(spec.augmentation(), spec.inputShape()) : null;
        this.scoreSeparately = network.trainingDiffers() || augmenter != null;
        this.rng = new SplitMix64(spec.seed());
        this.window = new PrequentialWindow(spec.evaluationWindow());
        this.earlyStopping = spec.earlyStopping() == null ? null : new EarlyStopping(spec.earlyStopping());
        this.drift = spec.drift() == null ? null : new DriftWatch(spec.drift());
        this.replay = spec.replay() == null ? null : new ReplayBuffer(spec);
    }

    /**
     * A new model, initialized from the spec's seed with the layers' initializers: the same spec
     * always gives the same parameters. (A spec's {@code pretrained} source is applied by the
     * caller, which knows where snapshots live.)
     */
    public static ModelState fresh(ModelSpec spec) {
        ModelState s = new ModelState(spec);
        s.network.initialize(s.rng, ModelFactory.initializers(spec));
        return s;
    }

    /** An empty shell for a snapshot decoder to fill in. */
    public static ModelState forRestore(ModelSpec spec) {
        return new ModelState(spec);
    }

    /**
     * Scores the batch with the current parameters (prequential), then trains on it (with replay:
     * on it and past examples from the reservoir); with early stopping the batch may instead be
     * held out (scored for validation only) or, while updates are paused, only scored.
     */
    public StepResult train(Batch fresh) {
        return train(fresh, null);
    }

    /**
     * {@link #train(Batch)}, learning also from {@code teacher}'s soft targets (the spec's
     * {@code distillation}: required then, and ignored otherwise). The prequential score stays the
     * student's own loss on the labels.
     */
    public StepResult train(Batch fresh, Teacher teacher) {
        if (spec.distillation() != null && teacher == null) {
            throw new IllegalStateException("model " + spec.id() + " distills from a teacher, and none was given");
        }
        Teacher t = spec.distillation() == null ? null : teacher;
        EarlyStopping.Role role = earlyStopping == null ? EarlyStopping.Role.TRAIN : earlyStopping.next();
        if (role != EarlyStopping.Role.TRAIN) {
            load(fresh);
            return scoreOnly(fresh, role);
        }
        Batch batch = replay == null ? fresh : replay.withReplayed(fresh);
        int b = fresh.size();
        boolean replayed = batch != fresh; // rows b.. are past examples: trained on, never scored
        FloatPointer inputData = load(batch);
        // Prequential score: the model as it predicts, before it learns from the batch. Without
        // layers that behave differently in training, the training forward pass is that score
        // and costs nothing extra; with dropout or augmentation it takes its own inference-mode pass.
        Loss.Result scored = scoreSeparately
                ? loss.evaluate(network.predict(replayed ? firstRows(input, b) : input), fresh.y(), null)
                : null;
        Augmenter.Mixup mix = null;
        if (augmenter != null) {
            int n = batch.size() * batch.width();
            if (augmented == null || augmented.length != n) {
                augmented = new float[n];
            }
            System.arraycopy(batch.x(), 0, augmented, 0, n); // the batch itself stays clean
            mix = augmenter.apply(augmented, batch.size(), batch.width(), rng);
            inputData.put(augmented, 0, n);
        }
        INDArray[] acts = network.forward(input, rng);
        INDArray out = acts[acts.length - 1];
        Loss.Result r = scored;
        if (mix != null) {
            if (partnerGrad == null || partnerGrad.rows() != batch.size()) {
                partnerGrad = Nd4j.create(DataType.FLOAT, batch.size(), network.outWidth());
            }
            Augmenter.mixupLoss(loss, out, batch.y(), batch.targetWidth(), mix, outputGrad, partnerGrad);
        } else {
            Loss.Result trained = t == null ? loss.evaluate(out, batch.y(), outputGrad)
                    : t.loss().evaluate(out, batch.y(), t.logits(input), outputGrad);
            r = scored != null ? scored
                    : replayed ? loss.evaluate(firstRows(out, b), fresh.y(), null)
                            : t != null ? loss.evaluate(out, batch.y(), null) : trained;
        }
        window.add(r.lossSum(), r.correct(), r.judged(), b);
        examplesSeen += b;
        boolean alarm = watchDrift(r, b);
        network.backward(acts, outputGrad);
        for (INDArray g : frozenGrads) {
            g.assign(0);
        }
        regularizer.addPenaltyGradients();
        GradientClipper.Decision d = clipper.clip(network.grads());
        double lr = currentLr();
        // A non-finite loss or gradient, or a rate that is not a finite non-negative number
        // (validation keeps schedules bounded; this guards the parameters regardless), skips the
        // step: parameters, optimizer state and step count stay as they were.
        boolean skip = d.skip() || !Double.isFinite(r.lossSum()) || !(lr >= 0 && lr < Double.POSITIVE_INFINITY);
        if (skip) {
            skippedSteps++;
            consecutiveBadSteps++;
        } else {
            consecutiveBadSteps = 0;
            if (rollbacksInARow > 0 && examplesSeen > troubleAt) {
                rollbacksInARow = 0; // trained past where it last diverged
            }
            if (d.clipped()) {
                clippedSteps++;
            }
            lock.writeLock().lock();
            try {
                regularizer.decay(lr);
                double momentum = schedule.momentum(schedulePosition());
                if (!Double.isNaN(momentum)) {
                    optimizer.setMomentum(momentum); // cycle_momentum
                }
                optimizer.step(lr, d.scale());
                network.commitTrainingStep();
            } finally {
                lock.writeLock().unlock();
            }
            if (metricSchedule != null) {
                metricSchedule.observe(r.lossSum(), r.correct(), r.judged(), b);
            }
        }
        if (replay != null) {
            replay.add(fresh);
        }
        return new StepResult(b, r.lossSum(), r.correct(), r.judged(), d.norm(), d.clipped(), skip, lr,
                hasBatchNorm && batch.size() < BatchNorm.MEANINGFUL_BATCH, role, null, alarm);
    }

    /** Copies {@code batch}'s inputs into the input array (re-created when the batch size changes). */
    private FloatPointer load(Batch batch) {
        if (input == null || input.rows() != batch.size()) {
            input = Nd4j.create(DataType.FLOAT, batch.size(), batch.width());
            outputGrad = Nd4j.create(DataType.FLOAT, batch.size(), network.outWidth());
        }
        FloatPointer inputData = (FloatPointer) input.data().addressPointer();
        inputData.put(batch.x(), 0, batch.size() * batch.width());
        return inputData;
    }

    /** The first {@code n} rows of {@code a}, as a matrix of their own. */
    private static INDArray firstRows(INDArray a, int n) {
        return a.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup();
    }

    /**
     * Feeds a prequentially scored batch to the drift detector; on an alarm, resets the
     * optimizer's moments when the spec says so (the schedule's restart and the boost are
     * {@link DriftWatch}'s, read by {@link #currentLr()}).
     */
    private boolean watchDrift(Loss.Result r, int examples) {
        if (drift == null || !drift.observe(r.lossSum(), r.correct(), r.judged(), examples, optimizer.steps(), examplesSeen)) {
            return false;
        }
        if (drift.spec().restartSchedule() && metricSchedule != null) {
            metricSchedule.restart();
        }
        if (drift.spec().resetMoments()) {
            lock.writeLock().lock(); // a snapshot reads the state buffers under the read lock
            try {
                optimizer.resetState();
            } finally {
                lock.writeLock().unlock();
            }
        }
        return true;
    }

    /** A held-out batch (validation) or one that arrives while updates are paused: inference only. */
    private StepResult scoreOnly(Batch batch, EarlyStopping.Role role) {
        Loss.Result r = loss.evaluate(network.predict(input), batch.y(), null);
        EarlyStopping.Check check = null;
        boolean alarm = false;
        if (role == EarlyStopping.Role.HOLD_OUT) {
            check = earlyStopping.heldOut(r.lossSum(), batch.size());
        } else {
            window.add(r.lossSum(), r.correct(), r.judged(), batch.size());
            examplesSeen += batch.size();
            alarm = watchDrift(r, batch.size());
        }
        return new StepResult(batch.size(), r.lossSum(), r.correct(), r.judged(), Double.NaN, false, false, currentLr(), false,
                role, check, alarm);
    }

    /** The reservoir of past examples, or null when the spec has no {@code replay}. */
    public ReplayBuffer replay() {
        return replay;
    }

    /** The drift detector and its actions' state, or null when the spec has none. */
    public DriftWatch drift() {
        return drift;
    }

    /** Early stopping's state, or null when the spec has none. */
    public EarlyStopping earlyStopping() {
        return earlyStopping;
    }

    /**
     * An inference: the network's raw {@code output} and the optimizer {@code steps} the parameters
     * were at. {@link #probabilities()} is what the output stands for under the model's loss (null
     * for regression, see {@link Loss#probabilities}), computed when asked, outside the model's lock.
     */
    public record Prediction(INDArray output, Loss loss, long steps) {
        public INDArray probabilities() {
            return loss.probabilities(output);
        }
    }

    /** Inference on the current parameters; {@code x} is {@code [n, input_width]}. */
    public Prediction predict(INDArray x) {
        lock.readLock().lock();
        try {
            INDArray out = network.predict(x);
            return new Prediction(out, loss, optimizer.steps());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs {@code action} while no optimizer update can happen (for consistent snapshots). */
    public <T> T whileFrozen(Supplier<T> action) {
        lock.readLock().lock();
        try {
            return action.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    public Network network() {
        return network;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public LrSchedule schedule() {
        return schedule;
    }

    /** The schedule's part that reads the loss ({@code plateau}), or null. */
    public MetricSchedule metricSchedule() {
        return metricSchedule;
    }

    public SplitMix64 rng() {
        return rng;
    }

    public PrequentialWindow window() {
        return window;
    }

    public long steps() {
        return optimizer.steps();
    }

    /** Parameters the optimizer updates: all but the frozen ones. */
    public long trainableParameters() {
        return network.paramCount() - frozenGrads.stream().mapToLong(INDArray::length).sum();
    }

    public long examplesSeen() {
        return examplesSeen;
    }

    public long skippedSteps() {
        return skippedSteps;
    }

    public long clippedSteps() {
        return clippedSteps;
    }

    /**
     * The schedule's rate at the current step (counted from the last drift restart), times the
     * divergence guard's scale and a drift alarm's boost.
     */
    public double currentLr() {
        long steps = optimizer.steps();
        return schedule.lr(schedulePosition()) * lrScale * (drift == null ? 1 : drift.lrFactor(steps));
    }

    /** The schedule's position: optimizer steps, counted from the last drift restart. */
    public long schedulePosition() {
        long steps = optimizer.steps();
        return drift == null ? steps : drift.schedulePosition(steps);
    }

    /** Steps skipped in a row for a non-finite loss or gradient (0 after an applied step). */
    public int consecutiveBadSteps() {
        return consecutiveBadSteps;
    }

    /** Factor on the schedule's learning rate, lowered by each divergence rollback (1 = none). */
    public double lrScale() {
        return lrScale;
    }

    public long divergenceRollbacks() {
        return divergenceRollbacks;
    }

    /** Rollbacks since the model last trained past the point where it diverged. */
    public int rollbacksInARow() {
        return rollbacksInARow;
    }

    /** Examples seen when the model last diverged. */
    public long troubleAt() {
        return troubleAt;
    }

    /**
     * Makes this state (restored from the last good snapshot) carry the divergence guard's
     * bookkeeping forward: the scaled rate, the counts, and where the trouble was.
     */
    public void restoreDivergence(double lrScale, long rollbacks, int rollbacksInARow, long troubleAt) {
        this.lrScale = lrScale;
        this.divergenceRollbacks = rollbacks;
        this.rollbacksInARow = rollbacksInARow;
        this.troubleAt = troubleAt;
    }

    /** Restores the counters a snapshot carries. */
    public void restoreCounters(long examplesSeen, long skippedSteps, long clippedSteps) {
        this.examplesSeen = examplesSeen;
        this.skippedSteps = skippedSteps;
        this.clippedSteps = clippedSteps;
    }
}
