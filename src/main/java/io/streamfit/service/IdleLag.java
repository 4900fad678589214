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
 * the backlog that grows behind it from the alerts. Every {@link #INTERVAL} this reads such a
 * model's lag from Kafka ({@link CommittedLag}: the log end against the offsets its last snapshot
 * committed) on its own thread, never on the scrape or training threads.
 *
 * <p>A fenced model is left alone: another instance owns it and reports its lag.
 */
final class IdleLag implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(IdleLag.class);
    /** How often the lag of models that are not running is read. */
    static final Duration INTERVAL = Duration.ofSeconds(15);
    private static final Set<RunnerPhase> WATCHED = Set.of(RunnerPhase.STARTING, RunnerPhase.RESTORING,
            RunnerPhase.FAILED, RunnerPhase.DIVERGED, RunnerPhase.STOPPED);

    private final RunningModels models;
    private final KafkaEndpoint kafka;
    private final String groupPrefix;
    private ScheduledExecutorService timer;

    IdleLag(RunningModels models, KafkaEndpoint kafka, String groupPrefix) {
        this.models = models;
        this.kafka = kafka;
        this.groupPrefix = groupPrefix;
    }

    /** Starts reading every {@link #INTERVAL} on a daemon thread {@code idle-lag}. */
    synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "idle-lag");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::refreshQuietly, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
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
        for (ModelRegistry.Entry e : models.all()) {
            if (!WATCHED.contains(e.runner().phase())) {
                continue;
            }
            String id = e.runner().spec().id();
            try {
                Admin admin = kafka.admin();
                e.meters().lag(CommittedLag.of(admin, groupPrefix + id, e.runner().spec().topic(), 10_000));
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
