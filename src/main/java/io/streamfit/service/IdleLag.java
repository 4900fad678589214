package io.streamfit.service;

import io.streamfit.stream.CommittedLag;
import io.streamfit.stream.RunnerPhase;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.jboss.logging.Logger;

/**
 * Keeps {@code streamfit_consumer_lag_records} true for the models here that are not running. A
 * running model updates its lag after every poll; a model that failed, diverged or is still
 * restoring polls nothing, and its lag would freeze (0 for a model that was keeping up), hiding
 * the backlog that grows behind it from the alerts. Every
 * {@code streamfit.training.idle-lag-interval} (15 s) this reads such a model's lag from Kafka
 * ({@link CommittedLag}: the log end against the offsets its last snapshot committed) on its own
 * thread, never on the scrape or training threads; so too for a running model that has not
 * reported its lag for a minute (a poll or a step that hangs). The runner's own figure wins when
 * it reports one while the read is under way ({@code ModelMeters.lagFromKafka}).
 *
 * <p>A fenced model is left alone: another instance owns it and reports its lag.
 */
final class IdleLag implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(IdleLag.class);
    /** A running model that has not reported its lag for this long (a poll that hangs) is read too. */
    private static final Duration STALE = Duration.ofSeconds(60);
    private static final long TIMEOUT_MS = 5_000;
    private static final Set<RunnerPhase> WATCHED = Set.of(RunnerPhase.STARTING, RunnerPhase.RESTORING,
            RunnerPhase.FAILED, RunnerPhase.DIVERGED, RunnerPhase.STOPPED);

    private final RunningModels models;
    private final KafkaEndpoint kafka;
    private final String groupPrefix;
    private final Duration interval;
    private ScheduledExecutorService timer;

    IdleLag(RunningModels models, KafkaEndpoint kafka, String groupPrefix, Duration interval) {
        this.models = models;
        this.kafka = kafka;
        this.groupPrefix = groupPrefix;
        this.interval = interval;
    }

    /** Starts reading every {@code interval} on a daemon thread {@code idle-lag}. */
    synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "idle-lag");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(100, interval.toMillis());
        timer.scheduleWithFixedDelay(this::refreshQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debugf(e, "reading the lag of models that are not running failed");
        }
    }

    /** Reads the lag of every model here that is not running and shows it in its meters; returns how many it read. */
    int refresh() throws InterruptedException {
        int read = 0;
        long stale = Math.max(2 * interval.toNanos(), STALE.toNanos());
        for (ModelRegistry.Entry e : models.all()) {
            RunnerPhase phase = e.runner().phase();
            if (!WATCHED.contains(phase) && !(phase == RunnerPhase.RUNNING && e.meters().lagAgeNanos() > stale)) {
                continue;
            }
            String id = e.runner().spec().id();
            try {
                long since = System.nanoTime();
                Admin admin = kafka.admin();
                e.meters().lagFromKafka(CommittedLag.of(admin, groupPrefix + id, e.runner().spec().topic(), TIMEOUT_MS), since);
                read++;
            } catch (Exception failure) {
                if (failure instanceof InterruptedException ie) {
                    throw ie;
                }
                LOG.debugf("model %s: could not read its committed lag: %s", id, failure.toString());
            }
        }
        return read;
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
