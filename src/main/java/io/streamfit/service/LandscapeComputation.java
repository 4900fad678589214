package io.streamfit.service;

import io.streamfit.landscape.Directions;
import io.streamfit.landscape.Landscape;
import io.streamfit.landscape.LossSurface;
import io.streamfit.landscape.Sharpness;
import io.streamfit.nn.SplitMix64;
import io.streamfit.stream.HeldOutTap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One landscape job's work, as the API answers it: the loss along one filter-normalized random
 * direction ({@code line}), with two directions also over their plane ({@code plane}), and the
 * sharpness, all on the captured held-out rows in float64 ({@link LossSurface}).
 */
final class LandscapeComputation {
    /** Power iteration stops when the Rayleigh quotient changes by less than this, relatively. */
    static final double TOLERANCE = 1e-3;

    private LandscapeComputation() {}

    static Map<String, Object> run(HeldOutTap.Capture c, LandscapeJobs.Request r) {
        INDArray x = Nd4j.create(c.x(), new long[] {c.rows(), c.width()}, DataType.FLOAT);
        LossSurface surface = new LossSurface(c.spec(), c.params(), c.buffers(), x, c.y(), r.seed());
        SplitMix64 rng = new SplitMix64(r.seed());
        INDArray d1 = Directions.filterNormalized(surface, rng);
        INDArray d2 = r.directions() == 2 ? Directions.filterNormalized(surface, rng) : null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", c.version());
        m.put("steps", c.steps());
        m.put("rows", c.rows());
        m.put("parameters", surface.parameterCount());
        m.put("center_loss", surface.loss(surface.center()));
        Landscape.Line line = Landscape.line(surface, d1, r.points(), r.span());
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("alphas", line.alphas());
        l.put("loss", line.losses());
        m.put("line", l);
        if (d2 != null) {
            Landscape.Plane plane = Landscape.plane(surface, d1, d2, r.points(), r.span());
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("alphas", plane.alphas());
            p.put("betas", plane.betas());
            p.put("loss", plane.losses());
            m.put("plane", p);
        } else {
            m.put("plane", null);
        }
        if (r.sharpness()) {
            Sharpness.Result s = Sharpness.topEigenvalue(surface, r.iterations(), TOLERANCE, rng);
            Map<String, Object> sh = new LinkedHashMap<>();
            sh.put("lambda_max", s.lambda());
            sh.put("negative_curvature", s.negativeCurvature());
            sh.put("iterations", s.iterations());
            sh.put("converged", s.converged());
            sh.put("gradient_evaluations", s.gradientEvaluations());
            sh.put("epsilon", s.epsilon());
            sh.put("method", s.method());
            m.put("sharpness", sh);
        } else {
            m.put("sharpness", null);
        }
        return m;
    }
}
