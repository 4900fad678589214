package io.streamfit.service;

import io.streamfit.landscape.LandscapeReport;
import io.streamfit.stream.HeldOutTap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One landscape job's work, as the API answers it: {@link LandscapeReport} (which the
 * {@code landscape} command computes too) on the captured held-out rows, headed by the snapshot
 * version and the optimizer steps of the copied parameters.
 */
final class LandscapeComputation {
    private LandscapeComputation() {}

    static Map<String, Object> run(HeldOutTap.Capture c, LandscapeJobs.Request r) {
        INDArray x = Nd4j.create(c.x(), new long[] {c.rows(), c.width()}, DataType.FLOAT);
        LandscapeReport.Settings s = r.settings();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", c.version());
        m.put("steps", c.steps());
        m.putAll(LandscapeReport.compute(c.spec(), c.params(), c.buffers(), x, c.y(), s));
        return m;
    }
}
