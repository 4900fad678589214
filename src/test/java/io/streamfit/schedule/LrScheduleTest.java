package io.streamfit.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelFactory;
import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void stepLrMatchesTorchStepLR() {
        // torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5), lr=0.1, stepped once per
        // optimizer step: the first 10 steps use 0.1, the next 10 0.05, then 0.025.
        StepLr s = new StepLr(0.1, 10, 0.5);
        assertEquals(0.1, s.lr(0), 1e-15);
        assertEquals(0.1, s.lr(9), 1e-15);
        assertEquals(0.05, s.lr(10), 1e-15);
        assertEquals(0.025, s.lr(25), 1e-15);
    }

    @Test
    void theSpecChoosesTheSchedule() {
        String spec = """
                {"id":"s","topic":"t","input_width":2,"task":{"type":"regression","outputs":1},
                 "layers":[{"type":"dense","units":1}],"optimizer":{"type":"sgd","lr":0.2},"batch_size":1%s}""";
        assertEquals(0.2, ModelFactory.schedule(SpecParser.parse(spec.formatted(""))).lr(1_000_000), 1e-15);
        LrSchedule step = ModelFactory
                .schedule(SpecParser.parse(spec.formatted(",\"schedule\":{\"type\":\"step\",\"step_size\":3,\"gamma\":0.1}")));
        assertEquals("step", step.type());
        assertEquals(0.002, step.lr(6), 1e-15);
    }
}
