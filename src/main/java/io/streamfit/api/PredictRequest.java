package io.streamfit.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.data.Float32;
import io.streamfit.nn.SequenceRows;
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
 * For a model with a {@code sequence} input, {@code x} is one sequence {@code [step][feature]} or
 * several, laid out as its records are ({@code batch_first}), and each becomes a
 * {@link SequenceRows} row.
 */
final class PredictRequest {
    /** Bound on the values of one request (4 MB of floats), checked before allocating. */
    static final long MAX_VALUES = 1L << 20;

    private PredictRequest() {}

    /** The rows of a body for {@code spec}'s model: plain rows, or sequences when it has a sequence input. */
    static float[][] parse(JsonNode body, ModelSpec spec, int maxRows) {
        return spec.sequence() != null ? parseSequences(body, spec.sequence(), maxRows)
                : parse(body, spec.inputWidth(), maxRows);
    }

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
                rows[i][j] = value(row.get(j), path + "[" + j + "]");
            }
        }
        return rows;
    }

    /**
     * Sequences as {@link SequenceRows} rows: {@code x} is one sequence {@code [step][feature]},
     * or several, {@code [sequence][step][feature]} with {@code batch_first} and
     * {@code [step][sequence][feature]} without (then all have the same number of steps). The
     * number of sequences and their padded size are checked before allocating.
     */
    static float[][] parseSequences(JsonNode body, ModelSpec.SequenceSpec seq, int maxRows) {
        JsonNode xs = body == null ? null : body.get("x");
        int f = seq.features();
        String layout = seq.batchFirst() ? "[sequence][step][feature]" : "[step][sequence][feature]";
        if (xs == null || !xs.isArray() || xs.isEmpty() || !xs.get(0).isArray()) {
            throw new IllegalArgumentException("x must be a sequence, an array of steps of " + f
                    + " numbers, or several as " + layout);
        }
        boolean several = !xs.get(0).isEmpty() && xs.get(0).get(0).isArray();
        int n = !several ? 1 : seq.batchFirst() ? xs.size() : xs.get(0).size();
        if (n > maxRows || (long) n * seq.width() > MAX_VALUES) {
            throw new IllegalArgumentException("x holds " + n + " sequences of up to " + seq.length() + " steps of " + f
                    + " values; at most " + maxRows + " sequences and " + MAX_VALUES + " values (padded) are accepted"
                    + " per request");
        }
        int steps = !several || seq.batchFirst() ? -1 : checkSteps(xs, "x", seq);
        float[][] rows = new float[n][seq.width()];
        for (int i = 0; i < n; i++) {
            if (several && seq.batchFirst()) {
                JsonNode sequence = xs.get(i);
                String path = "x[" + i + "]";
                if (!sequence.isArray()) {
                    throw new IllegalArgumentException(path + " must be a sequence, an array of steps, got a non-array");
                }
                int length = checkSteps(sequence, path, seq);
                for (int t = 0; t < length; t++) {
                    step(sequence.get(t), path + "[" + t + "]", f, rows[i], t * f);
                }
                rows[i][seq.width() - 1] = length;
            } else if (several) {
                for (int t = 0; t < steps; t++) {
                    JsonNode step = xs.get(t);
                    if (!step.isArray() || step.size() != n) {
                        throw new IllegalArgumentException("x[" + t + "] must hold a step of each of the " + n
                                + " sequences, got " + (step.isArray() ? step.size() : "a non-array"));
                    }
                    step(step.get(i), "x[" + t + "][" + i + "]", f, rows[i], t * f);
                }
                rows[i][seq.width() - 1] = steps;
            } else {
                int length = checkSteps(xs, "x", seq);
                for (int t = 0; t < length; t++) {
                    step(xs.get(t), "x[" + t + "]", f, rows[i], t * f);
                }
                rows[i][seq.width() - 1] = length;
            }
        }
        return rows;
    }

    /** The number of steps of {@code sequence} (an array), checked to be in {@code [min_length, length]}. */
    private static int checkSteps(JsonNode sequence, String path, ModelSpec.SequenceSpec seq) {
        int steps = sequence.size();
        if (steps < seq.minLength() || steps > seq.length()) {
            throw new IllegalArgumentException(path + " has " + steps + " steps; the model accepts "
                    + (seq.fixedLength() ? "exactly " + seq.length() : seq.minLength() + ".." + seq.length()));
        }
        return steps;
    }

    /** One step of {@code f} values into {@code row} at {@code at}. */
    private static void step(JsonNode step, String path, int f, float[] row, int at) {
        if (!step.isArray() || step.size() != f) {
            throw new IllegalArgumentException(path + " must have " + f + " numbers (features per step), got "
                    + (step.isArray() ? step.size() : "a non-array"));
        }
        for (int j = 0; j < f; j++) {
            row[at + j] = value(step.get(j), path + "[" + j + "]");
        }
    }

    /** A finite number that stays finite as float32. */
    private static float value(JsonNode v, String path) {
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new IllegalArgumentException(path + " must be a finite number, got "
                    + JsonReadErrors.excerpt(v.toString(), 40));
        }
        if (!Float32.fits(v.asDouble())) { // 3.5e38 would become infinity and answer NaN
            throw new IllegalArgumentException(Float32.beyondRange(path, v.asDouble()));
        }
        return (float) v.asDouble();
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
