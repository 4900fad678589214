package io.streamfit.service;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.streamfit.config.StreamfitConfig;
import io.streamfit.landscape.Cost;
import io.streamfit.landscape.LandscapeReport;
import io.streamfit.nn.BatchNorm;
import io.streamfit.stream.HeldOutTap;
import io.streamfit.stream.RunnerPhase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The loss landscape and sharpness of models, computed on request ({@code POST
 * /models/{id}/landscape}) and, with {@code streamfit.landscape.sharpness-interval}, periodically.
 *
 * <p>Off the training thread, on a copy: the training thread only copies the parameters and the
 * next batches' rows ({@link HeldOutTap}); the work runs on one daemon thread {@code landscape},
 * shared by all models, one job at a time, in float64 ({@link LandscapeComputation}). Bounds: one
 * job per model at a time and {@link #MAX_JOBS} in all (requests and the periodic gauge each have
 * that budget); each refused before it starts when its
 * estimated work ({@link Cost}) is over {@code streamfit.landscape.max-multiply-adds}; rows that
 * do not arrive within {@link #CAPTURE_WAIT} end the capture with the rows it has.
 */
@ApplicationScoped
public class LandscapeJobs {
    private static final Logger LOG = Logger.getLogger(LandscapeJobs.class);
    public static final int MAX_POINTS = 41;
    public static final int MAX_ROWS = 4_096;
    public static final int MAX_ITERATIONS = 100;
    /** Jobs capturing or computing at once, all models together. */
    static final int MAX_JOBS = 4;
    static final Duration CAPTURE_WAIT = Duration.ofSeconds(30);

    /**
     * What to compute: the loss along {@code directions} (1: a line, 2: also a plane) random
     * filter-normalized directions at {@code points} points per axis over {@code [-span, span]},
     * on {@code rows} held-out rows; with {@code sharpness}, the top Hessian eigenvalue by at most
     * {@code iterations} power iterations. {@code seed} draws the directions and the start vector.
     */
    public record Request(int directions, int points, double span, int rows, boolean sharpness, int iterations, long seed) {
        public static final Request DEFAULTS = new Request(2, 21, 1.0, 256, true, 20, 0);
        /** What the periodic gauge computes: no plane, three points of the line, the sharpness. */
        static final Request GAUGE = new Request(1, 3, 1.0, 256, true, 20, 0);

        /** The report's settings, with its default tolerance. */
        public LandscapeReport.Settings settings() {
            return new LandscapeReport.Settings(directions, points, span, sharpness, iterations, seed, LandscapeReport.TOLERANCE);
        }

        /** The estimated work for a model of {@code parameters} parameters (as the {@code landscape} command counts it). */
        public Cost cost(long parameters) {
            return settings().cost(rows, parameters);
        }
    }

    /** A request that cannot start now; {@code status} is the HTTP status that says why. */
    public static final class Refused extends RuntimeException {
        public final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final StreamfitConfig config;
    private final ModelRegistry registry;
    /** Each model's latest requested job (what {@code GET} answers), and its latest periodic sharpness job. */
    private final Map<String, LandscapeJob> latest = new ConcurrentHashMap<>();
    private final Map<String, LandscapeJob> gauges = new ConcurrentHashMap<>();
    private ScheduledExecutorService executor;

    public LandscapeJobs(StreamfitConfig config, ModelRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent e) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "landscape");
            t.setDaemon(true);
            return t;
        });
        config.landscape().sharpnessInterval().filter(d -> !d.isZero() && !d.isNegative()).ifPresent(d -> {
            long ms = Math.max(1_000, d.toMillis());
            executor.scheduleWithFixedDelay(this::measureSharpness, ms, ms, TimeUnit.MILLISECONDS);
            LOG.infof("every model's sharpness is measured every %s (streamfit_loss_sharpness)", d);
        });
    }

    void onStop(@Observes ShutdownEvent e) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /**
     * Starts a job for the model {@code e}; its progress and result are {@link #status}'s.
     *
     * @throws Refused 409 while a job of the model is under way or it is not training, 429 with
     *     {@link #MAX_JOBS} under way, 413 over the work bound, 400 for one row with batch norm
     */
    public Map<String, Object> start(ModelRegistry.Entry e, Request r) {
        String id = e.runner().spec().id();
        if (e.runner().state() == null || e.runner().phase() != RunnerPhase.RUNNING) {
            throw new Refused(409, "model " + id + " is " + e.runner().phase().name().toLowerCase()
                    + ": a landscape needs a running model, whose next batches are the held-out rows");
        }
        if (e.runner().pausedByUser()) {
            throw new Refused(409, "model " + id + " is paused: a landscape is computed on the next rows it trains on, "
                    + "so resume it first");
        }
        if (r.rows() < 2 && e.runner().state().network().anyLayer(l -> l instanceof BatchNorm)) {
            throw new Refused(400, "rows must be ≥ 2 for a model with batch norm (its statistics are the batch's)");
        }
        return submit(e, r, false).toMap();
    }

    /** The latest job of the model {@code e} (not of an earlier model of that id): {@code {"state": "none"}} when none. */
    public Map<String, Object> status(ModelRegistry.Entry e) {
        LandscapeJob job = latest.get(e.runner().spec().id());
        if (job == null || job.entry() != e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("state", "none");
            return m;
        }
        return job.toMap();
    }

    private synchronized LandscapeJob submit(ModelRegistry.Entry e, Request r, boolean gauge) {
        String id = e.runner().spec().id();
        long parameters = e.runner().state().network().paramCount();
        Cost cost = r.cost(parameters);
        double bound = config.landscape().maxMultiplyAdds();
        if (cost.exceeds(bound)) {
            throw new Refused(413, String.format("this request needs about %.3g multiply-adds (%d loss and %d gradient "
                    + "evaluations over %d rows of a model of %d parameters), more than the bound of %.3g "
                    + "(streamfit.landscape.max-multiply-adds): ask for fewer rows, points or iterations, or one direction",
                    cost.multiplyAdds(), cost.lossEvaluations(), cost.gradientEvaluations(), r.rows(), parameters, bound));
        }
        // Requests and the periodic gauge have a budget each, so the gauge never crowds out a user.
        Map<String, LandscapeJob> jobs = gauge ? gauges : latest;
        LandscapeJob current = jobs.get(id);
        if (current != null && current.entry() == e && current.underWay()) {
            throw new Refused(409, "a landscape of model " + id + " is " + current.state() + ": wait for it (GET "
                    + "/models/" + id + "/landscape)");
        }
        if (jobs.values().stream().filter(LandscapeJob::underWay).count() >= MAX_JOBS) {
            throw new Refused(429, MAX_JOBS + " landscapes are being computed: try again when one is done");
        }
        LandscapeJob job = new LandscapeJob(e, r, gauge);
        CompletableFuture<HeldOutTap.Capture> capture = e.runner().heldOut().request(r.rows());
        try {
            executor.schedule(() -> e.runner().heldOut().cut(capture, "no records arrived within "
                    + CAPTURE_WAIT.toSeconds() + " s: the landscape is computed on the next rows the model trains on "
                    + "(is the stream idle?)"), CAPTURE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException | NullPointerException stopping) { // before start-up or after shutdown
            e.runner().heldOut().cut(capture, "the service is not running");
            throw new Refused(503, "the service is starting or stopping: try again");
        }
        jobs.put(id, job);
        capture.whenComplete((rows, failed) -> { // on the training thread, or on this one for a cut: hand on at once
            if (failed != null) {
                job.failed(failed.getMessage());
                return;
            }
            job.captured(rows);
            try {
                executor.execute(() -> compute(job));
            } catch (RejectedExecutionException stopping) {
                job.failed("the service is stopping");
            }
        });
        return job;
    }

    private void compute(LandscapeJob job) {
        ModelRegistry.Entry e = job.entry();
        job.started();
        try {
            Map<String, Object> result = LandscapeComputation.run(job.rows(), job.request());
            job.done(result);
            // Only for the model still running here: a gauge must not outlive its meters.
            if (job.gauge() && registry.get(e.runner().spec().id()) == e && result.get("sharpness") instanceof Map<?, ?> s
                    && s.get("lambda_max") instanceof Double l) {
                e.meters().sharpness(l);
            }
        } catch (Throwable ex) { // whatever happens, the job ends: one under way forever would refuse every request
            job.failed(ex.getMessage() == null ? ex.toString() : ex.getMessage());
            LOG.warnf(ex, "the landscape of model %s failed", e.runner().spec().id());
        }
    }

    /**
     * The periodic gauge: one sharpness job for each model that trains here and took steps since
     * its last one (a paused or idle model has no new rows, and its sharpness has not changed).
     * Jobs of models no longer here are forgotten.
     */
    private void measureSharpness() {
        latest.values().removeIf(j -> registry.get(j.entry().runner().spec().id()) != j.entry());
        gauges.values().removeIf(j -> registry.get(j.entry().runner().spec().id()) != j.entry());
        for (ModelRegistry.Entry e : registry.all()) {
            try {
                LandscapeJob last = gauges.get(e.runner().spec().id());
                boolean moved = last == null || last.entry() != e || e.runner().state() == null
                        || e.runner().state().steps() != last.stepsAtRequest();
                if (e.runner().phase() == RunnerPhase.RUNNING && e.runner().state() != null && !e.runner().pausedByUser()
                        && moved) {
                    submit(e, Request.GAUGE, true);
                }
            } catch (Refused busy) {
                LOG.debugf("sharpness of %s not measured now: %s", e.runner().spec().id(), busy.getMessage());
            }
        }
    }
}
