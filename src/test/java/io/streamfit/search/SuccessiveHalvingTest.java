package io.streamfit.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan of successive halving, and who survives a rung. */
class SuccessiveHalvingTest {
    @Test
    void sixteenTrialsAtEtaThreeTakeThreeRungsWithinTheBudget() {
        List<SuccessiveHalving.Rung> plan = SuccessiveHalving.plan(16, 3, 200_000);
        assertEquals(List.of(new SuccessiveHalving.Rung(16, 4166), new SuccessiveHalving.Rung(5, 13333),
                new SuccessiveHalving.Rung(1, 66666)), plan);
        long spent = plan.stream().mapToLong(r -> r.trials() * r.examplesEach()).sum();
        assertTrue(spent <= 200_000 && spent > 199_900, "the budget, spent: " + spent);
    }

    @Test
    void everyRungSpendsAboutTheSameAndEndsWithOneTrial() {
        for (int n : new int[] {1, 2, 9, 27, 81, 100}) {
            for (int eta : new int[] {2, 3, 4}) {
                List<SuccessiveHalving.Rung> plan = SuccessiveHalving.plan(n, eta, 1_000_000);
                assertEquals(n, plan.get(0).trials());
                assertEquals(1, plan.get(plan.size() - 1).trials(), n + " trials, eta " + eta + ": " + plan);
                long first = plan.get(0).trials() * plan.get(0).examplesEach();
                for (SuccessiveHalving.Rung r : plan) {
                    assertEquals(first, r.trials() * r.examplesEach(), first / 100 + 1.0, "rung of " + plan);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> SuccessiveHalving.plan(4, 1, 100));
    }

    @Test
    void theBestSurviveAndTiesGoToTheEarlierTrial() {
        assertEquals(List.of(1, 3), SuccessiveHalving.survivors(List.of(0.5, 0.1, 0.9, 0.2), 2));
        assertEquals(List.of(0, 2), SuccessiveHalving.survivors(List.of(0.3, 0.3, 0.1), 2));
        assertEquals(List.of(), SuccessiveHalving.survivors(List.of(0.3), 0));
    }
}
