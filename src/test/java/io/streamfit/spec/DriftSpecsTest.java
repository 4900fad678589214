package io.streamfit.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The spec's {@code drift} section: defaults, the detectors' published parameters, and each mistake named by its path. */
class DriftSpecsTest {
    private static String spec(String task, String drift) {
        return """
                id: m
                topic: t
                input_width: 2
                task: %s
                layers: [{type: dense, units: 2}]
                optimizer: {type: adam, lr: 0.01}
                batch_size: 8
                """.formatted(task) + drift;
    }

    private static final String CLASSES = "{type: classification, classes: 2}";

    private static List<String> errorsOf(String yaml) {
        return assertThrows(SpecException.class, () -> SpecParser.parse(yaml)).errors();
    }

    @Test
    void defaultsArePublishedParametersAndNoAction() {
        assertNull(SpecParser.parse(spec(CLASSES, "")).drift(), "no section, no detector");
        ModelSpec.DriftSpec d = SpecParser.parse(spec(CLASSES, "drift: {detector: {type: adwin}}")).drift();
        assertEquals("adwin", d.detector());
        assertEquals(0.002, d.params().get("delta"));
        assertEquals(32L, d.params().get("clock"));
        assertEquals("loss", d.signal());
        assertFalse(d.resetMoments() || d.restartSchedule() || d.boosts() || d.tagPreDrift());
        assertEquals("no action", d.actions());
        ModelSpec.DriftSpec p = SpecParser.parse(spec(CLASSES, """
                drift:
                  detector: {type: page_hinkley}
                  signal: error
                  reset_moments: true
                  restart_schedule: true
                  boost_lr: {steps: 100}
                  tag_pre_drift: true
                """)).drift();
        assertEquals(50.0, p.params().get("threshold"));
        assertEquals(0.9999, p.params().get("alpha"));
        assertEquals(30L, p.params().get("min_instances"));
        assertEquals(10.0, p.boostFactor(), "boost_lr.factor defaults to 10");
        assertTrue(p.boosts());
        assertEquals("reset_moments, restart_schedule, boost_lr x10.0 for 100 steps, tag_pre_drift", p.actions());
    }

    @Test
    void mistakesAreNamedByTheirPath() {
        assertEquals(List.of("drift.detector is required"), errorsOf(spec(CLASSES, "drift: {reset_moments: true}")));
        List<String> e = errorsOf(spec(CLASSES, "drift: {detector: {type: ddm}}"));
        assertTrue(e.get(0).startsWith("drift.detector.type must be one of [adwin, page_hinkley]"), e.toString());
        e = errorsOf(spec(CLASSES, "drift: {detector: {type: adwin, delta: 2, threshold: 5}}"));
        assertTrue(e.stream().anyMatch(m -> m.startsWith("drift.detector.delta must be")), e.toString());
        assertTrue(e.stream().anyMatch(m -> m.startsWith("drift.detector.threshold is not a known field")), e.toString());
        e = errorsOf(spec("{type: regression, outputs: 2}", "drift: {detector: {type: adwin}, signal: error}"));
        assertEquals(List.of("drift.signal must be loss for a regression task (error is 1 - accuracy, which needs classes)"), e);
        e = errorsOf(spec(CLASSES, "drift: {detector: {type: adwin}, boost_lr: {factor: 0}}"));
        assertTrue(e.stream().anyMatch(m -> m.startsWith("drift.boost_lr.factor must be")), e.toString());
        assertTrue(e.stream().anyMatch(m -> m.equals("drift.boost_lr.steps is required")), e.toString());
        e = errorsOf(spec(CLASSES, "drift: {detector: {type: adwin}, reset_moment: true}"));
        assertTrue(e.get(0).startsWith("drift.reset_moment is not a known field"), e.toString());
    }
}
