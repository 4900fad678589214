package io.streamfit.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.stream.RunnerListener;
import io.streamfit.stream.RunnerPhase;
import io.streamfit.train.DriftWatch;
import io.streamfit.train.EarlyStopping;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchBoard;
import io.streamfit.train.StepResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * The meters of one model, all tagged {@code model=<id>}. Names are Micrometer's dotted form;
 * the Prometheus registry renders them with base units and {@code _total}, e.g.
 * {@code streamfit.examples.trained} becomes {@code streamfit_examples_trained_total} and the
 * step timer {@code streamfit_step_duration_seconds_bucket}. {@link MetricNames} lists them. The
 * runner does not know them: they observe it as its {@link RunnerListener}.
 *
 * <p>Every counter a dashboard panel or an alert rule rates is registered at 0 when the model
 * starts, every reject reason included: Prometheus' {@code rate} and {@code increase} see nothing
 * of a series' first sample, so a counter born at its first increment hides that first burst.
 */
public final class ModelMeters implements RunnerListener, AutoCloseable {
    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private SearchMeters searchMeters;
    private DriftMeters driftMeters;
    /** Counters with a second tag (reason, event), by name and tag value. */
    private final ConcurrentHashMap<String, Counter> tagged = new ConcurrentHashMap<>();
    private volatile RunnerPhase phase = RunnerPhase.STARTING;
    private final Counter examples;
    private final Counter batches;
    private final Counter clipped;
    private final Counter smallBatchNorm;
    private final Counter skipped;
    private final Counter snapshots;
    private final Counter rollbacks;
    private final Counter divergenceRollbacks;
    private final Counter recordsRead;
    private volatile int transactionFailures;
    /** Examples seen by the state after the last step, and by the last committed (or restored) snapshot's. */
    private volatile long examplesSeen;
    private volatile long examplesCommitted;
    private volatile double lrScale = 1;
    private final Timer stepTimer;
    private final Timer snapshotTimer;
    private final Timer snapshotCommitTimer;
    private volatile double loss = Double.NaN;
    private volatile double accuracy = Double.NaN;
    private volatile double gradNorm = Double.NaN;
    private volatile double lr = Double.NaN;
    private volatile double sharpness = Double.NaN;
    private boolean sharpnessRegistered;
    private boolean closed;
    private volatile double snapshotVersion;
    private volatile double snapshotBytes;
    private volatile long snapshotAtNanos = System.nanoTime();
    private volatile double lag;
    private volatile long lagAtNanos = System.nanoTime();
    private volatile double validationLoss = Double.NaN;
    private volatile double bestValidationLoss = Double.NaN;
    /** Early stopping's pause, and the user's ({@code POST /models/{id}/pause}). */
    private volatile double paused;
    private volatile boolean pausedByUser;
    private long pausesSeen;
    private long resumesSeen;

    public ModelMeters(MeterRegistry registry, String modelId) {
        this.registry = registry;
        this.tags = Tags.of("model", modelId);
        examples = counter(MetricNames.EXAMPLES_TRAINED, "Examples trained on (in steps that were applied)");
        batches = counter(MetricNames.BATCHES_TRAINED, "Mini-batches trained on (in steps that were applied)");
        clipped = counter(MetricNames.GRADIENT_CLIPPED_STEPS, "Steps whose gradient was clipped by global norm");
        skipped = counter(MetricNames.GRADIENT_SKIPPED_STEPS, "Steps skipped because the gradient norm was not finite");
        snapshots = counter(MetricNames.SNAPSHOTS_PUBLISHED, "Snapshots committed to the snapshot topic");
        rollbacks = counter(MetricNames.ROLLBACKS, "Failed snapshot transactions rolled back to the last snapshot");
        divergenceRollbacks = counter(MetricNames.DIVERGENCE_ROLLBACKS,
                "Rollbacks to the last snapshot with a lowered learning rate after consecutive non-finite steps");
        recordsRead = counter(MetricNames.RECORDS_CONSUMED,
                "Records of the input topic taken for training, trained or dead-lettered (read again after a rollback: counted again)");
        for (RejectedRecordException.Reason reason : RejectedRecordException.Reason.values()) {
            rejectedCounter(reason.label());
        }
        smallBatchNorm = counter(MetricNames.BATCH_NORM_SMALL_BATCHES,
                "Steps whose mini-batch was too small for meaningful batch-norm statistics (fewer than 16 examples)");
        stepTimer = Timer.builder(MetricNames.STEP_DURATION)
                .description("Wall time of one training step (forward, backward, update)")
                .tags(tags).publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        meters.add(stepTimer);
        snapshotTimer = Timer.builder(MetricNames.SNAPSHOT_DURATION)
                .description("Time training stopped for one committed snapshot: waiting for the commit before it, encoding it, "
                        + "handing it to the commit thread")
                .tags(tags).publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
        meters.add(snapshotTimer);
        snapshotCommitTimer = Timer.builder(MetricNames.SNAPSHOT_COMMIT_DURATION)
                .description(
                        "Time the commit thread took for one committed snapshot: send, offsets and commit of its transaction")
                .tags(tags).publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
        meters.add(snapshotCommitTimer);
        gauge(MetricNames.PREQUENTIAL_LOSS, null, "Prequential loss over the sliding window", () -> loss);
        gauge(MetricNames.PREQUENTIAL_ACCURACY, "ratio", "Prequential accuracy over the sliding window", () -> accuracy);
        gauge(MetricNames.GRADIENT_NORM, null, "Global L2 norm of the gradients before clipping, last step", () -> gradNorm);
        gauge(MetricNames.LEARNING_RATE, null, "Learning rate of the last step", () -> lr);
        gauge(MetricNames.SNAPSHOT_VERSION, null, "Version of the last committed snapshot", () -> snapshotVersion);
        gauge(MetricNames.SNAPSHOT_BYTES, "bytes", "Size of the last committed snapshot", () -> snapshotBytes);
        gauge(MetricNames.SNAPSHOT_AGE, "seconds", "Time since the last committed snapshot (or since start)",
                () -> (System.nanoTime() - snapshotAtNanos) / 1e9);
        gauge(MetricNames.LEARNING_RATE_SCALE, null,
                "Factor the divergence guard applies to the schedule's learning rate (1 = none)",
                () -> lrScale);
        gauge(MetricNames.CONSUMER_LAG, "records", "Records behind the end of the input topic, all partitions", () -> lag);
        gauge(MetricNames.TRAINING_PAUSED, null,
                "1 while updates are paused (by early stopping, or by the user: POST /models/{id}/pause), else 0",
                () -> pausedByUser ? 1 : paused);
        gauge(MetricNames.MODEL_FAILED, null, "1 once the model stopped in the failed phase (GET /models/{id} says why), else 0",
                () -> phase == RunnerPhase.FAILED ? 1 : 0);
        for (RunnerPhase p : RunnerPhase.values()) {
            String label = p.name().toLowerCase(Locale.ROOT);
            meters.add(Gauge.builder(MetricNames.MODEL_PHASE, () -> phase == p ? 1 : 0)
                    .description(
                            "1 for the phase the model is in (starting, restoring, running, stopped, fenced, failed, diverged), "
                                    + "0 for the others")
                    .tags(tags.and("phase", label)).strongReference(true).register(registry));
        }
        gauge(MetricNames.TRANSACTION_FAILURES_IN_A_ROW, null,
                "Snapshot transactions (and producer reopenings) that failed since the last commit; 0 after a commit",
                () -> transactionFailures);
        gauge(MetricNames.EXAMPLES_UNCOMMITTED, null,
                "Examples trained since the last committed snapshot: the work a crash now would train again",
                () -> Math.max(0, examplesSeen - examplesCommitted));
    }

    /**
     * Early stopping's meters, registered only for models that use it; {@code restored} is the
     * state the model starts from, whose past pauses and resumes are not counted again.
     */
    @Override
    public void enableEarlyStopping(EarlyStopping restored) {
        gauge(MetricNames.VALIDATION_LOSS, null, "Mean loss of the last validation check on the held-out slice",
                () -> validationLoss);
        gauge(MetricNames.VALIDATION_BEST_LOSS, null, "Validation loss of the check that produced the current best snapshot",
                () -> bestValidationLoss);
        notTrained(EarlyStopping.Role.HOLD_OUT);
        notTrained(EarlyStopping.Role.PAUSED);
        for (String event : new String[] {"pause", "resume", "best"}) {
            event(event);
        }
        rebaseEarlyStopping(restored);
    }

    /** A drift alarm: counted, and its time kept ({@link DriftMeters}). */
    @Override
    public void driftAlarm(DriftWatch watch) {
        if (driftMeters == null) { // registered at the restore of a spec with drift; here for a searched one
            driftMeters = new DriftMeters(registry, tags, watch, meters);
        }
        driftMeters.alarm();
    }

    /** A search's meters, registered with its first leaderboard ({@link SearchMeters}). */
    @Override
    public void search(SearchBoard board) {
        if (searchMeters == null) {
            searchMeters = new SearchMeters(registry, tags, board, meters);
        } else {
            searchMeters.update(board);
        }
    }

    /**
     * After a restore or a rollback: shows {@code state}'s values, and counts its pauses and
     * resumes from here on (those it already had are not counted again).
     */
    @Override
    public void rebaseEarlyStopping(EarlyStopping state) {
        pausesSeen = state.pauses();
        resumesSeen = state.resumes();
        earlyStopping(state);
    }

    private Counter notTrained(EarlyStopping.Role reason) {
        return tagged(MetricNames.EXAMPLES_NOT_TRAINED,
                "Examples scored but not trained on: held out for validation, or while updates were paused", "reason",
                reason.label());
    }

    private Counter event(String event) {
        return tagged(MetricNames.EARLY_STOPPING_EVENTS, "Early stopping events: updates paused, resumed, a new best snapshot",
                "event", event);
    }

    /** The counter {@code name} with one more tag, registered on first use and removed by {@link #close}. */
    private Counter tagged(String name, String help, String tag, String value) {
        return tagged.computeIfAbsent(name + '\n' + tag + '=' + value, k -> {
            Counter c = Counter.builder(name).description(help).tags(tags.and(tag, value)).register(registry);
            meters.add(c);
            return c;
        });
    }

    /** After every batch of a model with early stopping: the gauges, and an event per pause or resume since the last call. */
    @Override
    public void earlyStopping(EarlyStopping e) {
        validationLoss = e.lastLoss();
        bestValidationLoss = e.taggedLoss();
        paused = e.paused() ? 1 : 0;
        if (e.pauses() > pausesSeen) {
            event("pause").increment(e.pauses() - pausesSeen);
        }
        if (e.resumes() > resumesSeen) {
            event("resume").increment(e.resumes() - resumesSeen);
        }
        pausesSeen = e.pauses();
        resumesSeen = e.resumes();
    }

    /** A new best snapshot was committed. */
    @Override
    public void bestSnapshot() {
        event("best").increment();
    }

    private Counter counter(String name, String help) {
        Counter c = Counter.builder(name).description(help).tags(tags).register(registry);
        meters.add(c);
        return c;
    }

    /** Strong reference: Micrometer holds gauge targets weakly, and a lambda would be collected (NaN). */
    private void gauge(String name, String unit, String help, DoubleSupplier f) {
        Gauge.Builder<DoubleSupplier> b = Gauge.builder(name, f, DoubleSupplier::getAsDouble)
                .description(help).tags(tags).strongReference(true);
        if (unit != null) {
            b.baseUnit(unit);
        }
        meters.add(b.register(registry));
    }

    @Override
    public void step(ModelState state, StepResult r, long nanos) {
        examplesSeen = state.examplesSeen();
        if (r.role() != EarlyStopping.Role.TRAIN) {
            notTrained(r.role()).increment(r.examples());
            if (r.role() == EarlyStopping.Role.PAUSED) {
                loss = state.window().loss();
                accuracy = state.window().accuracy();
            }
            return;
        }
        stepTimer.record(nanos, TimeUnit.NANOSECONDS);
        loss = state.window().loss();
        accuracy = state.window().accuracy();
        gradNorm = r.gradNorm();
        lr = r.lr();
        if (r.smallBatchNorm()) {
            smallBatchNorm.increment();
        }
        if (r.skipped()) {
            skipped.increment();
            return;
        }
        examples.increment(r.examples());
        batches.increment();
        if (r.clipped()) {
            clipped.increment();
        }
    }

    /**
     * A committed snapshot; {@code stallNanos}: how long the training thread stopped for it,
     * {@code commitNanos}: how long its send, offsets and commit took on the commit thread.
     */
    @Override
    public void snapshot(long version, long examplesSeen, int bytes, long stallNanos, long commitNanos) {
        snapshotTimer.record(stallNanos, TimeUnit.NANOSECONDS);
        snapshotCommitTimer.record(commitNanos, TimeUnit.NANOSECONDS);
        snapshots.increment();
        snapshotVersion = version;
        snapshotBytes = bytes;
        snapshotAtNanos = System.nanoTime();
        examplesCommitted = examplesSeen;
    }

    /** After a restore: shows the restored version and figures without counting a publication. */
    @Override
    public void restored(ModelState state, long version) {
        if (state.drift() != null && driftMeters == null) {
            driftMeters = new DriftMeters(registry, tags, state.drift(), meters);
        }
        snapshotVersion = version;
        rolledBack(state);
    }

    /** After a rollback: the committed state's figures; nothing is uncommitted any more. */
    @Override
    public void rolledBack(ModelState state) {
        examplesSeen = state.examplesSeen();
        examplesCommitted = examplesSeen;
        loss = state.window().loss();
        accuracy = state.window().accuracy();
        lr = state.currentLr();
        lrScale = state.lrScale();
    }

    @Override
    public void recordRead() {
        recordsRead.increment();
    }

    @Override
    public void rejected(String reason) {
        rejectedCounter(reason).increment();
    }

    /**
     * The last measured sharpness (largest eigenvalue of the loss Hessian on held-out rows); its
     * gauge is registered at the first measurement, so models without the periodic measurement
     * export none.
     */
    public synchronized void sharpness(double lambdaMax) {
        if (closed) {
            return; // the model stopped while its sharpness was computed: no gauge outlives its meters
        }
        if (!sharpnessRegistered) {
            sharpnessRegistered = true;
            gauge(MetricNames.LOSS_SHARPNESS, null,
                    "Largest eigenvalue of the loss Hessian at the current parameters, on held-out rows (power iteration)",
                    () -> sharpness);
        }
        sharpness = lambdaMax;
    }

    @Override
    public void userPause(boolean paused) {
        pausedByUser = paused;
    }

    /** The global gradient norm of the last trained step (NaN before the first). */
    public double gradNorm() {
        return gradNorm;
    }

    /** Records behind the end of the input topic, as last reported. */
    public double lagRecords() {
        return lag;
    }

    /** Records dead-lettered so far, indexed by {@link RejectedRecordException.Reason#ordinal()}. */
    public long[] rejectedByReason() {
        RejectedRecordException.Reason[] reasons = RejectedRecordException.Reason.values();
        long[] out = new long[reasons.length];
        for (RejectedRecordException.Reason r : reasons) {
            out[r.ordinal()] = (long) rejectedCounter(r.label()).count();
        }
        return out;
    }

    private Counter rejectedCounter(String reason) {
        return tagged(MetricNames.RECORDS_REJECTED, "Records sent to the dead-letter topic, by reason", "reason", reason);
    }

    @Override
    public void rollback() {
        rollbacks.increment();
    }

    /** A divergence rollback; {@code scale} is the learning-rate factor from now on. */
    @Override
    public void divergence(double scale) {
        divergenceRollbacks.increment();
        lrScale = scale;
    }

    @Override
    public void transactionFailuresInARow(int failures) {
        transactionFailures = failures;
    }

    /**
     * A fenced model belongs to another instance now, which reports its lag and its uncommitted
     * work: this one shows neither, so that sums and maxima by model count the owner's alone.
     */
    @Override
    public void phase(RunnerPhase phase) {
        this.phase = phase;
        if (phase == RunnerPhase.FENCED) {
            lag = 0;
            examplesCommitted = examplesSeen;
        }
    }

    @Override
    public void lag(long records) {
        lag = records;
        lagAtNanos = System.nanoTime();
    }

    /**
     * The lag as Kafka has it ({@code CommittedLag}), read by the service for a model that does
     * not update its own; {@code readSince}: when that read started. Ignored when the runner
     * reported its lag since (its consumer's figure is the fresher), or when the model was fenced.
     */
    public void lagFromKafka(long records, long readSince) {
        if (lagAtNanos - readSince < 0 && phase != RunnerPhase.FENCED) {
            lag = records;
        }
    }

    /** Nanoseconds since the runner last reported its lag (or since the meters were made). */
    public long lagAgeNanos() {
        return System.nanoTime() - lagAtNanos;
    }

    @Override
    public synchronized void close() {
        closed = true;
        meters.forEach(registry::remove);
    }
}
