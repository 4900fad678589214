package io.streamfit.service;

import io.streamfit.train.DriftWatch;
import io.streamfit.train.ModelState;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Adds a {@link ModelHistory.Sample} of every model here to its history once a second, on a daemon
 * thread {@code history}: it reads what the status endpoint reads (the state's counters and
 * prequential window) and the meters' last gradient norm, lag and dead letters, so the training
 * thread does no work for it. A model that has not restored yet has nothing to sample.
 */
final class HistorySampler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HistorySampler.class);
    private final RunningModels models;
    private ScheduledExecutorService timer;

    HistorySampler(RunningModels models) {
        this.models = models;
    }

    synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "history");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::sampleQuietly, 1000 - System.currentTimeMillis() % 1000, 1000, TimeUnit.MILLISECONDS);
    }

    private void sampleQuietly() {
        long now = Math.round(System.currentTimeMillis() / 1000.0);
        for (ModelRegistry.Entry e : models.all()) {
            try {
                ModelHistory.Sample s = sample(e, now);
                if (s != null) {
                    e.history().add(s);
                }
            } catch (RuntimeException ex) {
                LOG.debugf(ex, "sampling the history of model %s failed", e.runner().spec().id());
            }
        }
    }

    /** What {@code e} reports at epoch second {@code t}; null before it restored. */
    static ModelHistory.Sample sample(ModelRegistry.Entry e, long t) {
        ModelState s = e.runner().state();
        if (s == null) {
            return null;
        }
        DriftWatch d = s.drift();
        return new ModelHistory.Sample(t, s.steps(), s.examplesSeen(), s.window().loss(), s.window().accuracy(),
                s.currentLr(), e.meters().gradNorm(), s.clippedSteps(), s.skippedSteps(), e.meters().lagRecords(),
                e.runner().version(), d == null ? 0 : d.alarms(), d == null ? -1 : d.lastAlarmStep(),
                e.meters().rejectedByReason());
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
