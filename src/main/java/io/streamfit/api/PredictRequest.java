package io.streamfit.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.data.Float32;
import io.streamfit.spec.JsonReadErrors;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelState;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Validation of {@code /predict} bodies and the shape of its answers. Every value must be a
 * finite number that stays finite as float32; a refusal names the element ({@code x[0][3]}).
 */
final class PredictRequest {
    /** Bound on the values of one request (4 MB of floats), checked before allocating. */
    static final long MAX_VALUES = 1L << 20;

    private PredictRequest() {}

    static float[][] parse(JsonNode body, int width, int maxRows) {
        JsonNode xs = body == null ? null : body.get("x");
        if (xs == null || !xs.isArray() || xs.isEmpty()) {
            throw new IllegalArgumentException("x must be an array of " + width + " numbers or an array of such arrays");
        }
        boolean batch = xs.get(0).isArray();
        int n = batch ? xs.size() : 1;
        if (n > maxRows || (long) n * width > MAX_VALUES) {
            throw new IllegalArgumentException("x holds " + n + " rows of width " + width + "; at most " + maxRows
                    + " rows and " + MAX_VALUES + " values are accepted per request");
        }
        float[][] rows = new float[n][width];
        for (int i = 0; i < n; i++) {
            JsonNode row = batch ? xs.get(i) : xs;
            String path = batch ? "x[" + i + "]" : "x";
            if (!row.isArray() || row.size() != width) {
                throw new IllegalArgumentException(path + " must have " + width + " numbers, got "
                        + (row.isArray() ? row.size() : "a non-array"));
            }
            for (int j = 0; j < width; j++) {
                JsonNode v = row.get(j);
                if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
                    throw new IllegalArgumentException(path + "[" + j + "] must be a finite number, got "
                            + JsonReadErrors.excerpt(v.toString(), 40));
                }
                if (!Float32.fits(v.asDouble())) { // 3.5e38 would become infinity and answer NaN
                    throw new IllegalArgumentException(Float32.beyondRange(path + "[" + j + "]", v.asDouble()));
                }
                rows[i][j] = (float) v.asDouble();
            }
        }
        return rows;
    }

    static Map<String, Object> response(ModelSpec spec, long snapshotVersion, ModelState.Prediction prediction) {
        INDArray out = prediction.output();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", spec.id());
        m.put("steps", prediction.steps()); // the parameters used: after this many optimizer steps
        m.put("snapshot_version", snapshotVersion);
        switch (spec.task().type()) {
            case CLASSIFICATION -> {
                m.put("predictions", out.argMax(1).toLongVector());
                m.put("probabilities", prediction.probabilities().toFloatMatrix());
            }
            case BINARY -> {
                INDArray probabilities = prediction.probabilities();
                m.put("predictions", probabilities.gt(0.5).castTo(DataType.INT32).toIntMatrix());
                m.put("probabilities", probabilities.toFloatMatrix());
            }
            case REGRESSION -> m.put("predictions", out.toFloatMatrix());
        }
        return m;
    }
}
