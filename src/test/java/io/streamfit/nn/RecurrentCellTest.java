package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The cells' own {@code tanh} (faster than Java 17's {@code Math.tanh}) is as accurate. */
class RecurrentCellTest {
    @Test
    void tanhAgreesWithMathTanhWithin5e15Relative() {
        SplitMix64 rng = new SplitMix64(1);
        double worst = 0;
        for (int i = 0; i < 2_000_000; i++) {
            // log-uniform magnitudes from 1e-12 to 40, both signs, and the branch point's neighbourhood
            double x = Math.pow(10, rng.uniform(-12, Math.log10(40))) * (rng.nextDouble() < 0.5 ? -1 : 1);
            if (i % 10 == 0) {
                x = 0.05 + rng.uniform(-1e-3, 1e-3);
            }
            double expected = Math.tanh(x);
            worst = Math.max(worst, Math.abs(RecurrentCell.tanh(x) - expected) / Math.abs(expected));
        }
        assertTrue(worst < 5e-15, "worst relative error " + worst);
        assertEquals(0.0, RecurrentCell.tanh(0.0));
        assertEquals(1.0, RecurrentCell.tanh(400.0));
        assertEquals(-1.0, RecurrentCell.tanh(-400.0));
    }
}
