package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamfit.demo.SyntheticProblem;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SearchSpaces;
import io.streamfit.spec.SpecParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Trials trained side by side on shared batches are bitwise the models trained alone on the same
 * batches: sharing a batch (decoded once) changes nothing of a trial. Three trials of one search
 * space differ in learning rate, width and dropout (which draws from each trial's own generator).
 */
class TrialSetTest {
    private static final String SEARCH = """
            id: t
            topic: t.in
            input_width: 6
            task: {type: classification, classes: 3}
            layers: [{type: dense, units: {choice: [8, 16]}}, {type: relu}, {type: dropout, p: 0.2}, {type: dense, units: 3}]
            optimizer: {type: adam, lr: {log_uniform: [1.0e-3, 1.0e-1]}}
            batch_size: 8
            seed: %d
            """;

    private static JsonNode yaml(String text) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ModelSpec trial(long seed, long units, double lr) {
        return SpecParser.parse(SearchSpaces.with(yaml(SEARCH.formatted(seed)),
                Map.of("layers[0].units", units, "optimizer.lr", lr)));
    }

    private static List<Batch> batches(int count) {
        SyntheticProblem p = new SyntheticProblem(6, 3, 11, 0);
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] x = new float[8 * 6];
            int[] y = new int[8];
            p.next(8, x, y);
            float[] yf = new float[8];
            for (int j = 0; j < 8; j++) {
                yf[j] = y[j];
            }
            out.add(new Batch(8, 6, x, 1, yf));
        }
        return out;
    }

    @Test
    void trialsSideBySideAreBitwiseTheTrialsAlone() {
        List<ModelSpec> specs = List.of(trial(1, 8, 0.01), trial(2, 16, 0.05), trial(3, 16, 0.002));
        TrialSet set = new TrialSet(specs);
        List<Batch> batches = batches(40);
        for (int i = 0; i < batches.size(); i++) {
            if (i == 20) {
                set.stop(1); // eliminated half-way
            }
            StepResult[] r = set.train(batches.get(i));
            if (i >= 20) {
                assertNull(r[1], "a stopped trial is not trained");
            }
        }
        for (int t = 0; t < specs.size(); t++) {
            ModelState alone = ModelState.fresh(specs.get(t));
            for (Batch b : batches.subList(0, t == 1 ? 20 : 40)) {
                alone.train(b);
            }
            assertEquals(alone.steps(), set.trial(t).steps(), "trial " + t);
            assertEquals(alone.network().params(), set.trial(t).network().params(), "trial " + t + " bitwise");
        }
        assertNotEquals(set.trial(0).network().params().length(), set.trial(1).network().params().length(),
                "the trials are different models");
    }

    @Test
    void trialsThatWouldBatchDifferentlyAreRefused() {
        ModelSpec eight = trial(1, 8, 0.01);
        ModelSpec four = SpecParser.parse(SearchSpaces.with(yaml(SEARCH.formatted(1).replace("batch_size: 8",
                "batch_size: 4")), Map.of("layers[0].units", 8L, "optimizer.lr", 0.01)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrialSet(List.of(eight, four)));
        assertEquals("trials train on the same batches, so they must agree on input_width, batch_size and task; t does not "
                + "agree with t", e.getMessage());
    }
}
