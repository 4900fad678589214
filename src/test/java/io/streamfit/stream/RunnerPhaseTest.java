package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The runner's life cycle table, as RunnerPhase's Javadoc draws it. */
class RunnerPhaseTest {
    private static final Set<RunnerPhase> ENDS = EnumSet.of(RunnerPhase.STOPPED, RunnerPhase.FENCED, RunnerPhase.FAILED);

    @Test
    void forwardOnlyAlongTheLifeCycle() {
        for (RunnerPhase from : RunnerPhase.values()) {
            for (RunnerPhase to : RunnerPhase.values()) {
                boolean expected = !from.terminal() && (ENDS.contains(to)
                        || from == RunnerPhase.STARTING && to == RunnerPhase.RESTORING
                        || from == RunnerPhase.RESTORING && to == RunnerPhase.RUNNING
                        || from == RunnerPhase.RUNNING && to == RunnerPhase.DIVERGED);
                assertEquals(expected, from.canMoveTo(to), from + " -> " + to);
            }
        }
    }

    @Test
    void terminalAndStartingPhases() {
        assertEquals(EnumSet.of(RunnerPhase.STOPPED, RunnerPhase.FENCED, RunnerPhase.FAILED, RunnerPhase.DIVERGED),
                EnumSet.copyOf(Arrays.stream(RunnerPhase.values()).filter(RunnerPhase::terminal).toList()));
        assertTrue(RunnerPhase.STARTING.starting() && RunnerPhase.RESTORING.starting());
        assertFalse(RunnerPhase.RUNNING.starting() || RunnerPhase.FAILED.starting());
    }
}
