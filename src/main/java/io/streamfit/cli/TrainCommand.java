package io.streamfit.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamfit.data.Batcher;
import io.streamfit.data.DecodeAhead;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.data.TrainingLoop;
import io.streamfit.files.LocalFiles;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.snapshot.Teachers;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import io.streamfit.train.NativeThreads;
import io.streamfit.train.SearchRun;
import io.streamfit.train.StepResult;
import io.streamfit.train.Teacher;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code train}: replays a recorded stream through exactly the service's training path
 * ({@link TrainingLoop}: {@link RecordDecoder}, ahead on a second thread unless
 * {@code --no-decode-ahead}, {@link Batcher}, {@link ModelState#train}) and writes the result as a
 * snapshot in the service's format. Line {@code i} of the data file (0-based) plays the record at
 * offset {@code i} of partition 0, so batches are formed as the service forms them from a
 * single-partition topic. No Kafka is touched.
 *
 * <p>Exit codes: 0 trained; 1 an input or output file could not be read or written; 2 invalid
 * arguments, spec or snapshot, or nothing to train on; 3 an unexpected internal error (with its
 * stack trace). Input paths are checked before training starts (a failure says why: no such
 * file, permission denied, is a directory), and so are the output paths ({@code --out},
 * {@code --best-out}, {@code --metrics}: a file is created there and removed); {@code --out} is written
 * before {@code --test} is evaluated, so a late problem never throws away a finished run.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model offline from a JSON-lines file of records, as the service would from a topic.")
public final class TrainCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--spec", required = true, description = "Model spec (YAML or JSON), as POSTed to /models.")
    Path spec;

    @Option(names = "--data", required = true, description = "Records, one JSON record per line, in stream order.")
    Path data;

    @Option(names = "--init",
            description = "Start from this snapshot's parameters (and optimizer state, if it has the same optimizer) instead of initializing.")
    Path init;

    @Option(names = "--out", required = true,
            description = "Where to write the trained model (a streamfit safetensors snapshot).")
    Path out;

    @Option(names = "--best-out", description = "With early_stopping in the spec: also write the best-validated model here.")
    Path bestOut;

    @Option(names = "--metrics", description = "Write prequential loss/accuracy per step and totals here (JSON).")
    Path metrics;

    @Option(names = "--test", description = "Also evaluate the trained model on these records (JSON lines; inference mode).")
    Path test;

    @Option(names = "--search",
            description = "The spec has a search section: train its trials side by side (docs/search.md), write the winner to --out, "
                    + "and the leaderboard to --metrics and the standard error.")
    boolean search;

    @Option(names = "--blas-threads", defaultValue = "1", description = "BLAS/OpenMP threads (default ${DEFAULT-VALUE}).")
    int blasThreads;

    @Option(names = "--decode-ahead", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Decode records on a second thread, ahead of the training step (default on; "
                    + "--no-decode-ahead decodes on the training thread, for a single CPU). Results are the same either way.")
    boolean decodeAhead;

    PrintWriter err = new PrintWriter(System.err, true);

    /** Runs the command; returns the exit code. */
    public static int run(String... args) {
        return new CommandLine(new TrainCommand()).execute(args);
    }

    /** A failure with a message for the user and an exit code. */
    static final class Failure extends Exception {
        final int code;

        Failure(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    @Override
    public Integer call() {
        try {
            train();
            return 0;
        } catch (Failure f) {
            err.println("train: " + f.getMessage());
            return f.code;
        } catch (RuntimeException e) {
            err.println("train: failed unexpectedly: " + e);
            e.printStackTrace(err);
            return 3;
        }
    }

    private void train() throws Failure {
        checkReadable(data, "--data");
        if (test != null) {
            checkReadable(test, "--test");
        }
        // Outputs too: a directory in the way or a read-only place is found now, not after the whole pass.
        checkWritable(out, "--out");
        if (bestOut != null) {
            checkWritable(bestOut, "--best-out");
        }
        if (metrics != null) {
            checkWritable(metrics, "--metrics");
        }
        NativeThreads.configure(blasThreads);
        JsonNode root = readSpecTree();
        SearchRun run = SearchReport.start(root, search, spec, init != null ? "--init" : bestOut != null ? "--best-out" : null);
        ModelSpec modelSpec = run != null ? run.lead().spec() : parseSpec(root);
        if (bestOut != null && modelSpec.earlyStopping() == null) {
            throw new Failure(2, "--best-out needs an early_stopping section in the spec: it is what validates a best model");
        }
        if (bestOut != null && bestOut.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new Failure(2, "--best-out and --out are the same file " + out + ": one would overwrite the other");
        }
        ModelState state = run != null ? null : startingState(modelSpec);
        RecordDecoder decoder = new RecordDecoder(modelSpec);
        Batcher batcher = new Batcher(modelSpec.batchSize());
        StepLog steps = new StepLog();
        PassTotals totals = new PassTotals();
        long started = System.nanoTime();
        Pass pass = new Pass(state, run, totals, teacher(modelSpec));
        long[] lines = {0};
        try (InputStream in = Files.newInputStream(data);
                TrainingLoop<Line> loop = new TrainingLoop<>(decoder::decode, batcher, LINES, pass,
                        metrics != null ? steps : (s, r, nanos) -> {},
                        decodeAhead ? DecodeAhead.DEFAULT_MAX_AHEAD_BYTES : 0, "decode-" + modelSpec.id())) {
            // Line i plays the record at offset i of partition 0; its bytes are the record's value.
            ByteLines values = new ByteLines(in, MAX_LINE_BYTES);
            loop.run(new Iterator<Line>() {
                @Override
                public boolean hasNext() {
                    return values.hasNext();
                }

                @Override
                public Line next() {
                    return new Line(lines[0]++, values.next());
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new Failure(1, "cannot read --data " + data + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(3, "interrupted while training");
        }
        byte[] best = pass.best;
        if (run != null) {
            state = SearchReport.winner(run, err);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (totals.examples == 0) {
            throw new Failure(2, "nothing trained: " + data + " has " + lines[0] + " lines, " + totals.rejected
                    + " rejected, and fewer than batch_size = " + modelSpec.batchSize() + " examples");
        }
        Map<String, Object> summary = totals.summary(state, seconds, batcher.pendingExamples(), lines[0]);
        writeSnapshot(state, lines[0], run);
        if (bestOut != null) {
            if (best == null) {
                err.printf("train: no validation check completed, so there is no best model to write to --best-out%n");
            } else {
                byte[] bestBytes = best;
                write(bestOut, "--best-out", () -> bestBytes);
            }
        }
        if (run != null) {
            SearchReport.winnerFigures(run, summary);
        }
        if (test != null) {
            summary.putAll(TestSet.evaluate(test, state, decoder));
        }
        if (metrics != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("model_id", modelSpec.id());
            doc.put("data", data.toString());
            doc.put("final", summary);
            if (run != null) {
                doc.put("search", SearchReport.of(run));
            }
            doc.put("steps", steps.entries());
            write(metrics, "--metrics", () -> JSON.writeValueAsBytes(doc));
        }
        if (run != null) {
            SearchReport.print(run, err);
        }
        try {
            err.printf("train: %s%n", new ObjectMapper().writeValueAsString(summary));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void checkReadable(Path path, String option) throws Failure {
        try {
            if (Files.isDirectory(path)) {
                throw new Failure(1, "cannot read " + option + " " + path + ": is a directory");
            }
            Files.newByteChannel(path).close();
        } catch (IOException e) {
            throw new Failure(1, "cannot read " + option + " " + path + ": " + LocalFiles.why(e));
        }
    }

    static void checkWritable(Path path, String option) throws Failure {
        try {
            LocalFiles.checkWritable(path);
        } catch (LocalFiles.Refused e) {
            throw new Failure(1, "cannot write " + option + " " + path + ": " + e.getMessage());
        }
    }

    /** A file's bytes, or a failure that says why not (no such file, permission denied, is a directory, too large). */
    static byte[] read(Path path, String what, long maxBytes) throws Failure {
        try {
            return LocalFiles.readRegular(path, maxBytes);
        } catch (LocalFiles.Refused e) {
            throw new Failure(1, "cannot read " + what + " " + path + ": " + e.getMessage());
        }
    }

    private JsonNode readSpecTree() throws Failure {
        String text = new String(read(spec, "--spec", SpecParser.MAX_SPEC_BYTES), StandardCharsets.UTF_8);
        try {
            return SpecParser.read(text);
        } catch (SpecException e) {
            throw new Failure(2, "invalid spec " + spec + ":\n  " + String.join("\n  ", e.errors()));
        }
    }

    private ModelSpec parseSpec(JsonNode root) throws Failure {
        try {
            return SpecParser.parse(root);
        } catch (SpecException e) {
            throw new Failure(2, "invalid spec " + spec + ":\n  " + String.join("\n  ", e.errors()));
        }
    }

    /** The spec's distillation teacher, from its {@code teacher.file}; null without distillation. */
    private Teacher teacher(ModelSpec s) throws Failure {
        ModelSpec.DistillationSpec d = s.distillation();
        if (d == null) {
            return null;
        }
        if (d.teacherFile() == null) {
            throw new Failure(2, "the spec's distillation.teacher.model names a snapshot on the service's snapshot topic, "
                    + "which this command does not read: download it and set distillation.teacher.file");
        }
        Path file = Path.of(d.teacherFile());
        try {
            Teacher t = Teachers.load(read(file, "distillation.teacher.file", Integer.MAX_VALUE - 8), s);
            err.printf("train: distilling from %s (snapshot version %d, temperature %s, alpha %s)%n", file, t.version(),
                    d.temperature(), d.alpha());
            return t;
        } catch (SnapshotFormatException e) {
            throw new Failure(2, "distillation.teacher.file " + file + " cannot teach this model: " + e.getMessage());
        }
    }

    /** Fresh from the spec's seed, then {@code --init} (or the spec's pretrained file) on top. */
    private ModelState startingState(ModelSpec s) throws Failure {
        ModelState state = ModelState.fresh(s);
        Path source = init;
        boolean strict = true;
        boolean optimizerState = true;
        if (source == null && s.pretrained() != null) {
            if (s.pretrained().file() == null) {
                throw new Failure(2, "the spec's pretrained.model names a snapshot on the service's snapshot topic, "
                        + "which this command does not read: download it and pass --init FILE");
            }
            source = Path.of(s.pretrained().file());
            strict = s.pretrained().strict();
            optimizerState = false;
        }
        if (source == null) {
            return state;
        }
        byte[] bytes = read(source, init != null ? "--init" : "pretrained.file", Integer.MAX_VALUE - 8);
        try {
            List<String> loaded = SnapshotCodec.initializeFrom(bytes, state, strict, optimizerState);
            err.printf("train: initialized %d tensors from %s (optimizer steps %d%s)%n", loaded.size(), source, state.steps(),
                    state.steps() == 0 ? ", optimizer state fresh" : "");
        } catch (SnapshotFormatException e) {
            throw new Failure(2, "cannot initialize from " + source + ": " + e.getMessage());
        }
        return state;
    }

    /** Line {@code offset} (0-based) of the data file, as a record at that offset of partition 0. */
    private record Line(long offset, byte[] value) {}

    /** The longest line read from --data: the embedded broker's largest message (message.max.bytes). */
    static final int MAX_LINE_BYTES = 104_857_600;

    private static final TrainingLoop.RecordView<Line> LINES = new TrainingLoop.RecordView<>(l -> 0, Line::offset, Line::value);

    /** What the command does around {@link TrainingLoop}: totals and the best model. */
    private final class Pass implements TrainingLoop.Hooks<Line> {
        private final ModelState state;
        private final SearchRun run;
        private final PassTotals totals;
        private final Teacher teacher;
        byte[] best;

        /** Trains {@code state} (with {@code teacher}, if distilling), or the trials of {@code run} when it is not null. */
        Pass(ModelState state, SearchRun run, PassTotals totals, Teacher teacher) {
            this.state = state;
            this.run = run;
            this.totals = totals;
            this.teacher = teacher;
        }

        @Override
        public ModelState state() {
            return run != null ? run.lead() : state;
        }

        @Override
        public StepResult train(Batch batch) {
            return run != null ? run.train(batch) : state.train(batch, teacher);
        }

        @Override
        public void rejected(Line line, RejectedRecordException e) {
            totals.rejected++;
            if (totals.rejected <= 10) {
                err.printf("train: line %d rejected: %s%n", line.offset() + 1, e.getMessage());
            }
        }

        @Override
        public void afterStep(Line line, StepResult r, long nanos) {
            totals.add(r);
            totals.stepNanos += nanos;
            if (bestOut != null && r.check() != null && r.check().improved()) {
                best = SnapshotCodec.encode(state, 1, Map.of(), Map.of(), provenance(line.offset() + 1, null));
            }
        }
    }

    private void writeSnapshot(ModelState state, long lines, SearchRun run) throws Failure {
        // No stream positions: line numbers are not offsets of the spec's topic, and a service that
        // restored this snapshot as its own must not skip records because of them.
        byte[] bytes = SnapshotCodec.encode(state, 1, Map.of(), Map.of(), provenance(lines, run));
        write(out, "--out", () -> bytes);
    }

    /** Where the model came from; a search's winner also says which trial it is and its values. */
    private Map<String, String> provenance(long lines, SearchRun run) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("trained_from", "file " + data.toAbsolutePath() + " (" + lines + " lines)");
        if (run != null) {
            p.putAll(SearchReport.provenance(run));
        }
        return p;
    }

    interface Bytes {
        byte[] get() throws IOException;
    }

    static void write(Path path, String option, Bytes bytes) throws Failure {
        // Written next to the target and renamed, so a reader never sees half a file.
        Path tmp = path.toAbsolutePath().resolveSibling(path.getFileName() + ".tmp");
        try {
            Files.createDirectories(tmp.getParent());
            Files.write(tmp, bytes.get());
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Failure(1, "cannot write " + option + " " + path + ": " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the message above already says what went wrong
            }
        }
    }
}
