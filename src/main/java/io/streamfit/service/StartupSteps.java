package io.streamfit.service;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * Start-up steps that do not depend on each other, each on a thread of its own, so that the time
 * to ready is the longest of them rather than their sum. Before, with the demo, these ran one
 * after another (start-up log timestamps, one run on a loaded 2-core machine): ND4J's native
 * libraries 1.7 s, the embedded broker 6.4 s, the snapshot topic 1.2 s, reading Fashion-MNIST
 * 3.6 s, the demo topic 0.6 s, the models topic 0.2 s and its partition count 1.3 s. Now the
 * broker starts while ND4J loads and the data is read, and the three topics are created at once.
 * What this gains needs an idle core: on a machine whose cores are all busy the sum stays.
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
