package io.streamfit.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamfit.Golden;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every schedule against golden learning-rate sequences from {@code torch.optim.lr_scheduler}
 * (TensorFlow's formulas where PyTorch has no class), produced by
 * {@code src/test/python/golden_schedules.py}: 60-120 steps each, the schedule built from the
 * case's spec JSON through the spec parser. Tolerance 1e-12 relative (PyTorch updates some rates
 * recursively, which differs from the closed form in the last bits). With {@code cycle_momentum}
 * the momentum each step gets (SGD's {@code momentum}, Adam's {@code betas[0]}) is checked too;
 * without it, none is set.
 */
class GoldenScheduleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode GOLDEN = Golden.load("schedules.json");

    static Stream<Arguments> cases() {
        return Golden.namedCases(GOLDEN.get("cases"));
    }

    /** The schedule a spec with this case's optimizer lr, batch size and schedule object builds. */
    static LrSchedule schedule(JsonNode c) {
        ObjectNode spec = JSON.createObjectNode();
        spec.put("id", "golden").put("topic", "t").put("input_width", 1);
        spec.putObject("task").put("type", "regression").put("outputs", 1);
        spec.putArray("layers").addObject().put("type", "dense").put("units", 1);
        ObjectNode optimizer = c.has("optimizer") ? c.get("optimizer").deepCopy() : JSON.createObjectNode().put("type", "sgd");
        spec.set("optimizer", optimizer.put("lr", c.get("lr").asDouble()));
        spec.put("batch_size", c.get("batch_size").asInt());
        spec.set("schedule", c.get("schedule"));
        return ModelFactory.schedule(SpecParser.parse(spec));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTorchScheduler(String name, JsonNode c) {
        LrSchedule s = schedule(c);
        JsonNode lrs = c.get("lrs");
        for (int t = 0; t < lrs.size(); t++) {
            double expected = lrs.get(t).asDouble();
            assertEquals(expected, s.lr(t), 1e-12 * Math.max(Math.abs(expected), 1e-6), name + " at step " + t);
        }
        JsonNode momentums = c.get("momentums");
        if (momentums == null) {
            assertTrue(Double.isNaN(s.momentum(0)), name + ": the optimizer's momentum is left alone");
            return;
        }
        for (int t = 0; t < momentums.size(); t++) {
            double expected = momentums.get(t).asDouble();
            assertEquals(expected, s.momentum(t), 1e-12 * expected, name + ": momentum at step " + t);
        }
    }

    static Stream<Arguments> plateauCases() {
        return Golden.namedCases(GOLDEN.get("plateau_cases"));
    }

    /** {@code plateau} stepped with PyTorch's metric sequence: the same rate after every step, to 1e-12. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("plateauCases")
    void plateauMatchesReduceLROnPlateau(String name, JsonNode c) {
        ObjectNode withBatch = c.deepCopy();
        withBatch.put("batch_size", 64);
        LrSchedule s = schedule(withBatch);
        ReduceLrOnPlateau p = (ReduceLrOnPlateau) s.metricSchedule();
        JsonNode metrics = c.get("metrics");
        JsonNode lrs = c.get("lrs");
        assertTrue(lrs.size() >= 100 && lrs.get(lrs.size() - 1).asDouble() < c.get("lr").asDouble(), name + " reduces");
        for (int t = 0; t < metrics.size(); t++) {
            p.step(metrics.get(t).asDouble());
            double expected = lrs.get(t).asDouble();
            assertEquals(expected, s.lr(12345), 1e-12 * expected, name + " after period " + t);
        }
    }

    /** A period's metric is the mean loss over its batches' examples (or their accuracy): the same as stepping with it. */
    @Test
    void plateauStepsOncePerPeriodWithThePeriodsMeanLoss() {
        ObjectNode c = JSON.createObjectNode().put("lr", 0.1).put("batch_size", 8);
        c.putObject("schedule").put("type", "plateau").put("patience", 0).put("period", 3);
        ReduceLrOnPlateau observed = (ReduceLrOnPlateau) schedule(c).metricSchedule();
        ReduceLrOnPlateau stepped = (ReduceLrOnPlateau) schedule(c).metricSchedule();
        double[][] periods = {{2.0, 1.0, 3.0}, {1.0, 1.0, 1.0}, {1.5, 0.5, 1.2}};
        for (double[] losses : periods) {
            for (int i = 0; i < 3; i++) {
                observed.observe(losses[i] * 8, 0, 8, 8);
                if (i < 2) {
                    assertEquals(stepped.state().lr(), observed.lr(0), 0, "no step inside a period");
                }
            }
            stepped.step((losses[0] + losses[1] + losses[2]) / 3);
            assertEquals(stepped.state(), observed.state());
        }
        assertEquals(0.1 * 0.1, observed.lr(0), 1e-15,
                "patience 0: the third period (mean 1.0667), no better than the second (1.0), reduced the rate once");
    }

    @Test
    void cycleMomentumIsCoveredForBothSchedulesAndBothKindsOfMomentum() {
        List<String> covered = new ArrayList<>();
        GOLDEN.get("cases").forEach(c -> {
            if (c.has("momentums")) {
                covered.add(c.get("schedule").get("type").asText() + "/" + c.get("optimizer").get("type").asText());
            }
        });
        assertTrue(covered.containsAll(List.of("cyclic/sgd", "one_cycle/adam", "one_cycle/sgd")), covered.toString());
    }

    @Test
    void everyScheduleTypeAndModifierIsCovered() {
        List<String> types = new ArrayList<>();
        boolean[] warmups = new boolean[2];
        boolean[] scaling = new boolean[1];
        GOLDEN.get("cases").forEach(c -> {
            JsonNode s = c.get("schedule");
            types.add(s.get("type").asText());
            if (s.has("warmup")) {
                warmups[s.get("warmup").get("mode").asText().equals("linear") ? 0 : 1] = true;
            }
            scaling[0] |= s.has("linear_scaling");
            assertTrue(c.get("lrs").size() >= 20, "at least 20 steps");
        });
        for (String t : List.of("constant", "step", "multistep", "exponential", "natural_exp", "inverse_time", "polynomial",
                "cosine", "cyclic", "cosine_warm_restarts", "one_cycle")) {
            assertTrue(types.contains(t), t + " has no golden case");
        }
        assertTrue(warmups[0] && warmups[1] && scaling[0], "linear and exponential warm-up and linear scaling are covered");
    }

    @Test
    void oneCycleHoldsItsFinalRateWhereTorchWouldRaise() {
        JsonNode c = null;
        for (JsonNode k : GOLDEN.get("cases")) {
            if (k.get("name").asText().equals("one_cycle_linear")) {
                c = k;
            }
        }
        LrSchedule s = schedule(c);
        long total = c.get("schedule").get("total_steps").asLong();
        double last = s.lr(total - 1);
        assertEquals(last, s.lr(total), 0.0);
        assertEquals(last, s.lr(total * 10), 0.0);
        assertTrue(last > 0, "never negative (torch's linear extrapolation past the end is)");
    }
}
