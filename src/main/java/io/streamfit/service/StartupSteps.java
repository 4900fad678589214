package io.streamfit.service;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * Start-up steps that do not depend on each other, each on a thread of its own, so that the time
 * to ready is the longest of them rather than their sum. With the demo, the embedded broker
 * (2-3 s on a quiet 2-core machine), ND4J's native libraries (0.5-1.7 s) and reading
 * Fashion-MNIST ran one after another, then three topics were created one after another; the
 * start-up log's timestamps showed those as most of the time before the model began restoring.
 *
 * <p>Guarantee: {@link #await} returns a step's result or throws the exception the step threw
 * (not wrapped), so a failed step fails start-up exactly as it did when it ran inline.
 */
final class StartupSteps {
    /** A start-up step; may throw what start-up itself may throw. */
    interface Step<T> {
        T run() throws Exception;
    }

    private StartupSteps() {}

    /** Starts {@code step} now on a daemon thread named {@code startup-<name>}. */
    static <T> Future<T> fork(String name, Step<T> step) {
        FutureTask<T> task = new FutureTask<>(step::run);
        Thread t = new Thread(task, "startup-" + name);
        t.setDaemon(true);
        t.start();
        return task;
    }

    /** The step's result; null for a step never started ({@code null}). */
    static <T> T await(Future<T> step) throws Exception {
        if (step == null) {
            return null;
        }
        try {
            return step.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        }
    }
}
