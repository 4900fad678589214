package io.streamfit.stream;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life cycle of a {@link ModelRunner}, as the status endpoint and the health checks show it.
 *
 * <pre>
 *   STARTING ──► RESTORING ──► RUNNING ──► STOPPED      (stop(), abandon(), or given up while recovering)
 *       │            │            ├──────► DIVERGED     (non-finite steps after max_rollbacks rollbacks)
 *       └────────────┴────────────┼──────► FENCED       (another instance initialized the model's producer)
 *                                 └──────► FAILED       (an error no retry fixes, or any Throwable)
 * </pre>
 *
 * <ul>
 *   <li>{@code STARTING}: constructed, its thread not yet running.</li>
 *   <li>{@code RESTORING}: the producer is initialized (fencing older instances) and the
 *       snapshot topic is read.</li>
 *   <li>{@code RUNNING}: polling and training; rollbacks after a failed transaction or a
 *       divergence happen inside this phase.</li>
 *   <li>The four others are terminal: the thread has ended or is ending, nothing is published
 *       any more; the model keeps serving the state it had.</li>
 * </ul>
 *
 * STOPPED, FENCED and FAILED may follow any phase before them (a fenced producer or an error can
 * happen while restoring, and a model given up while recovering stops); DIVERGED follows only
 * RUNNING. {@link #canMoveTo} is that table, and {@link ModelRunner} moves only through it.
 */
public enum RunnerPhase {
    STARTING, RESTORING, RUNNING, STOPPED, FENCED, FAILED, DIVERGED;

    private static final Set<RunnerPhase> TERMINAL = EnumSet.of(STOPPED, FENCED, FAILED, DIVERGED);

    /** Stopped for good: stopped, fenced, failed or diverged. */
    public boolean terminal() {
        return TERMINAL.contains(this);
    }

    /** Before the restore from the snapshot topic finished. */
    public boolean starting() {
        return this == STARTING || this == RESTORING;
    }

    /** Whether the life cycle above allows moving from this phase to {@code next}. */
    public boolean canMoveTo(RunnerPhase next) {
        if (terminal()) {
            return false;
        }
        return switch (next) {
            case STARTING -> false;
            case RESTORING -> this == STARTING;
            case RUNNING -> this == RESTORING;
            case DIVERGED -> this == RUNNING;
            case STOPPED, FENCED, FAILED -> true;
        };
    }
}
