package io.streamfit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamfit.data.Examples;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.landscape.Cost;
import io.streamfit.landscape.LandscapeReport;
import io.streamfit.nn.BatchNorm;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import io.streamfit.train.NativeThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code landscape}: the loss landscape and sharpness of a trained model on rows of a JSON-lines
 * file, as the service's {@code POST /models/{id}/landscape} computes them on the next batches of
 * its stream ({@link LandscapeReport}), written as JSON. No Kafka, no Quarkus.
 *
 * <p>The rows are the first {@code --rows} examples after the first {@code --skip} records (lines)
 * of {@code --data}: rows the model did not train on are the user's choice (a test file, or the part
 * of a stream after what {@code train} read). Records the decoder rejects are skipped and counted, as
 * {@code train} does; fewer examples than {@code --rows} are used as they are, with a warning (the
 * service, too, computes on the rows it captured when the stream stops); none at all is an error.
 *
 * <p>Exit codes, as {@link TrainCommand}'s: 0 written; 1 a file could not be read or written; 2
 * invalid arguments, spec or snapshot (a snapshot that lacks one of the spec's tensors, or has one
 * of another shape), or no usable rows (every record rejected: the message gives the first reason,
 * e.g. a width that is not the spec's {@code input_width}); 3 an unexpected internal error.
 */
@Command(name = "landscape", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The loss landscape (filter-normalized random directions, Li et al. 2018) and sharpness "
                + "(top Hessian eigenvalue) of a model on held-out rows of a JSON-lines file, as JSON.")
public final class LandscapeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--spec", required = true, description = "The model's spec (YAML or JSON).")
    Path spec;

    @Option(names = "--model", required = true,
            description = "The model: a streamfit snapshot (train --out) or a PyTorch state_dict in safetensors; "
                    + "every tensor of the spec must be in it.")
    Path model;

    @Option(names = "--data", required = true,
            description = "Records, one JSON record per line; the rows are read after --skip records. "
                    + "They should be rows the model did not train on.")
    Path data;

    @Option(names = "--skip", defaultValue = "0",
            description = "Records (lines) of --data to skip first (default ${DEFAULT-VALUE}).")
    long skip;

    @Option(names = "--rows", defaultValue = "1024", description = "Examples to compute the loss on (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--directions", defaultValue = "2",
            description = "1: the loss along one random direction; 2: also over the plane of two (default ${DEFAULT-VALUE}).")
    int directions;

    @Option(names = "--points", defaultValue = "25", description = "Grid points per axis, odd (default ${DEFAULT-VALUE}).")
    int points;

    @Option(names = "--span", defaultValue = "1.0", description = "The grid covers [-span, span] (default ${DEFAULT-VALUE}).")
    double span;

    @Option(names = "--sharpness", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Measure the top Hessian eigenvalue (default on; --no-sharpness skips it).")
    boolean sharpness;

    @Option(names = "--iterations", defaultValue = "50",
            description = "Power iterations for the sharpness at most, two gradient evaluations each (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--tolerance", defaultValue = "1e-3",
            description = "Power iteration stops when the eigenvalue changes by less than this, relatively "
                    + "(default ${DEFAULT-VALUE}, as the service and PyHessian).")
    double tolerance;

    @Option(names = "--seed", defaultValue = "0",
            description = "Draws the directions and the start vector (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "Where to write the landscape (JSON).")
    Path out;

    @Option(names = "--blas-threads", defaultValue = "1", description = "BLAS/OpenMP threads (default ${DEFAULT-VALUE}).")
    int blasThreads;

    PrintWriter err = new PrintWriter(System.err, true);

    /** Runs the command; returns the exit code. */
    public static int run(String... args) {
        return new CommandLine(new LandscapeCommand()).execute(args);
    }

    @Override
    public Integer call() {
        try {
            landscape();
            return 0;
        } catch (TrainCommand.Failure f) {
            err.println("landscape: " + f.getMessage());
            return f.code;
        } catch (RuntimeException e) {
            err.println("landscape: failed unexpectedly: " + e);
            e.printStackTrace(err);
            return 3;
        }
    }

    private void landscape() throws TrainCommand.Failure {
        if (rows < 1) {
            throw new TrainCommand.Failure(2, "--rows must be at least 1, got " + rows);
        }
        if (skip < 0) {
            throw new TrainCommand.Failure(2, "--skip must be >= 0, got " + skip);
        }
        LandscapeReport.Settings settings;
        try {
            settings = new LandscapeReport.Settings(directions, points, span, sharpness, iterations, seed, tolerance);
        } catch (IllegalArgumentException e) {
            throw new TrainCommand.Failure(2, e.getMessage().replace("directions", "--directions")
                    .replace("points", "--points").replace("span", "--span").replace("iterations", "--iterations")
                    .replace("tolerance", "--tolerance"));
        }
        TrainCommand.checkReadable(data, "--data");
        TrainCommand.checkWritable(out, "--out");
        NativeThreads.configure(blasThreads);
        ModelSpec modelSpec = readSpec();
        if ((long) rows * Math.max(modelSpec.inputWidth(), modelSpec.task().width()) > Integer.MAX_VALUE - 8) {
            throw new TrainCommand.Failure(2, "--rows " + rows + " rows of " + modelSpec.inputWidth()
                    + " inputs do not fit in one array: ask for fewer");
        }
        ModelState state = load(modelSpec);
        Rows r = readRows(modelSpec);
        if (r.count < rows) {
            err.printf("landscape: warning: %s has %d examples after skipping %d records (%d rejected), fewer than "
                    + "--rows %d: using those%n", data, r.count, skip, r.rejected, rows);
        }
        if (r.count < 2 && state.network().anyLayer(l -> l instanceof BatchNorm)) {
            throw new TrainCommand.Failure(2, "the model has batch norm, whose batch statistics need at least 2 rows; "
                    + data + " has " + r.count + " after skipping " + skip + " records");
        }
        long parameters = state.network().paramCount();
        Cost cost = settings.cost(r.count, parameters);
        err.printf("landscape: %d rows, %d parameters: %d loss and up to %d gradient evaluations, about %.3g multiply-adds%n",
                r.count, parameters, cost.lossEvaluations(), cost.gradientEvaluations(), cost.multiplyAdds());
        INDArray x = Nd4j.create(Arrays.copyOf(r.x, r.count * r.width), new long[] {r.count, r.width}, 'c');
        float[] y = Arrays.copyOf(r.y, r.count * r.targetWidth);
        long started = System.nanoTime();
        Map<String, Object> report = LandscapeReport.compute(modelSpec, state.network().params(), state.network().buffers(),
                x, y, settings);
        double seconds = (System.nanoTime() - started) / 1e9;

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model_id", modelSpec.id());
        doc.put("model", model.toString());
        doc.put("data", data.toString());
        doc.put("skip", skip);
        doc.put("rejected_records", r.rejected);
        doc.put("settings", settings.toMap());
        doc.putAll(report);
        doc.put("multiply_adds", cost.multiplyAdds());
        doc.put("seconds", seconds);
        TrainCommand.write(out, "--out", () -> JSON.writeValueAsBytes(doc));
        err.printf("landscape: center_loss %.6g, lambda_max %s, %d rows, %d parameters, %.1f s -> %s%n",
                (Double) report.get("center_loss"), lambda(report), r.count, parameters, seconds, out);
    }

    private static String lambda(Map<String, Object> report) {
        if (!(report.get("sharpness") instanceof Map<?, ?> sh)) {
            return "not measured";
        }
        return String.format("%.6g (%s after %s iterations)", (Double) sh.get("lambda_max"),
                Boolean.TRUE.equals(sh.get("converged")) ? "converged" : "not converged", sh.get("iterations"));
    }

    private ModelSpec readSpec() throws TrainCommand.Failure {
        String text = new String(TrainCommand.read(spec, "--spec", SpecParser.MAX_SPEC_BYTES), StandardCharsets.UTF_8);
        try {
            return SpecParser.parse(text);
        } catch (SpecException e) {
            throw new TrainCommand.Failure(2, "invalid spec " + spec + ":\n  " + String.join("\n  ", e.errors()));
        }
    }

    /** The spec's network with every tensor (parameters and buffers) from {@code --model}: strictly. */
    private ModelState load(ModelSpec s) throws TrainCommand.Failure {
        ModelState state = ModelState.fresh(s);
        byte[] bytes = TrainCommand.read(model, "--model", Integer.MAX_VALUE - 8);
        try {
            List<String> loaded = SnapshotCodec.initializeFrom(bytes, state, true, false);
            err.printf("landscape: loaded %d tensors from %s%n", loaded.size(), model);
        } catch (SnapshotFormatException e) {
            throw new TrainCommand.Failure(2, "cannot load --model " + model + " as the spec's model: " + e.getMessage());
        }
        return state;
    }

    /** The examples read, row-major, and the records rejected on the way. */
    private static final class Rows {
        int count;
        int width;
        int targetWidth;
        float[] x = new float[0];
        float[] y = new float[0];
        long rejected;
        String firstRejection;
    }

    private Rows readRows(ModelSpec s) throws TrainCommand.Failure {
        RecordDecoder decoder = new RecordDecoder(s);
        Rows r = new Rows();
        r.width = s.inputWidth();
        long line = 0;
        try (InputStream in = Files.newInputStream(data)) {
            ByteLines lines = new ByteLines(in, TrainCommand.MAX_LINE_BYTES);
            while (r.count < rows && lines.hasNext()) {
                byte[] value = lines.next();
                line++;
                if (line <= skip) {
                    continue;
                }
                Examples ex;
                try {
                    ex = decoder.decode(value);
                } catch (RejectedRecordException e) {
                    r.rejected++;
                    if (r.firstRejection == null) {
                        r.firstRejection = "line " + line + ": " + e.getMessage();
                    }
                    if (r.rejected <= 10) {
                        err.printf("landscape: line %d rejected: %s%n", line, e.getMessage());
                    }
                    continue;
                }
                int take = Math.min(ex.count(), rows - r.count);
                r.targetWidth = ex.targetWidth();
                r.x = grow(r.x, (r.count + take) * r.width);
                r.y = grow(r.y, (r.count + take) * r.targetWidth);
                System.arraycopy(ex.x(), 0, r.x, r.count * r.width, take * r.width);
                System.arraycopy(ex.y(), 0, r.y, r.count * r.targetWidth, take * r.targetWidth);
                r.count += take;
            }
        } catch (IOException | UncheckedIOException e) {
            throw new TrainCommand.Failure(1, "cannot read --data " + data + ": " + e.getMessage());
        }
        if (r.count == 0) {
            throw new TrainCommand.Failure(2, "no rows to compute on: " + data + " has " + line + " lines"
                    + (line <= skip ? ", not more than --skip " + skip
                            : ", " + r.rejected + " rejected after the "
                                    + skip + " skipped"
                                    + (r.firstRejection == null ? "" : ", the first at " + r.firstRejection)));
        }
        return r;
    }

    /** {@code a}, or a copy at least {@code length} long (doubling, so that reading n rows copies O(n)). */
    private static float[] grow(float[] a, int length) {
        return length <= a.length ? a : Arrays.copyOf(a, Math.max(length, 2 * a.length));
    }
}
