package io.streamfit.snapshot;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.streamfit.nn.LayerKind;
import io.streamfit.nn.ParamTensor;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Encodes the whole training state of a model as one safetensors file, and back.
 *
 * <p>Tensors, named as PyTorch names them so that {@code model.load_state_dict(...)} works on the
 * equivalent {@code nn.Sequential}:
 * <ul>
 *   <li>{@code <i>.<tensor>}: module {@code i}'s parameters and buffers, each named and
 *       shaped as its layer's {@link LayerKind} declares ({@link LayerKind#parameters()} such as
 *       dense's {@code weight [out, in]} and {@code bias [out]}, then {@link LayerKind#buffers()}
 *       such as batch norm's {@code running_mean}; a count such as {@code num_batches_tracked} is
 *       a float32 scalar, which {@code load_state_dict} converts)</li>
 *   <li>{@code <i>.body.<j>.weight} and so on: the tensors of layer {@code j} in residual block
 *       {@code i}'s body (PyTorch: a module {@code Residual} whose {@code body} is an
 *       {@code nn.Sequential})</li>
 *   <li>{@code optimizer.<param>.<state>}: the optimizer's per-parameter state under PyTorch's
 *       state names, e.g. {@code optimizer.0.weight.exp_avg}, {@code optimizer.0.weight.exp_avg_sq},
 *       {@code optimizer.2.bias.momentum_buffer}</li>
 * </ul>
 * Metadata (all strings): {@code format}, {@code format_version}, {@code model_id},
 * {@code version}, {@code optimizer}, {@code optimizer_steps} (PyTorch's {@code state['step']}),
 * {@code schedule}, {@code schedule_position}, {@code rng_state}, {@code examples_seen},
 * {@code skipped_steps}, {@code clipped_steps}, {@code topic}, {@code positions} (JSON
 * {@code {"<partition>": {"offset": o, "skip": k}}}: the first untrained example per partition),
 * {@code consumed} (JSON {@code {"<partition>": offset}}: after the last record read),
 * {@code prequential_loss}, {@code prequential_accuracy}, {@code prequential_window} (the window's
 * sums), {@code prequential_window_batches} (the window's batches in order: {@link WindowMetadata}),
 * with early stopping {@code early_stopping} (its whole state, JSON), {@code validation_loss}
 * and {@code best_validation_loss} (the loss of the check that produced the current best
 * snapshot), after drift alarms {@code optimizer_state_origin} and {@code drift}
 * ({@link DriftMetadata}), with {@code plateau} {@code schedule_state} ({@link ScheduleMetadata}), {@code spec} (the model spec as JSON), {@code created_at}, {@code crc32c} (CRC-32C, hex,
 * over the tensor bytes and then every other metadata entry as {@code key=value\n} in key order).
 */
public final class SnapshotCodec {
    public static final String FORMAT = "streamfit.snapshot";
    public static final int FORMAT_VERSION = 1;
    /** Records written with the metadata's snake_case keys; infinity and NaN as strings, read back exactly. */
    static final ObjectMapper SNAKE_JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, true)
            // a count of 1.5 is damage, not 1 (numbers beyond a long or an int are refused by default)
            .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);

    private SnapshotCodec() {}

    /** A decoded snapshot: the model, and where its lineage stood when it was published. */
    public record Decoded(ModelState state, Lineage lineage) {}

    /** Call with the model's optimizer quiescent (on the training thread). */
    public static byte[] encode(ModelState state, long version, Map<Integer, Position> positions) {
        return encode(state, version, positions, Map.of());
    }

    /**
     * @param positions per partition, the first example not yet trained on
     * @param consumed per partition, the offset after the last record read (rejected records
     *     below it were dead-lettered in the transaction that commits this snapshot)
     */
    public static byte[] encode(ModelState state, long version, Map<Integer, Position> positions, Map<Integer, Long> consumed) {
        return encode(state, version, positions, consumed, Map.of());
    }

    /**
     * @param extra further metadata entries (e.g. {@code trained_from} for a snapshot made
     *     offline); they may not replace the entries listed in the class documentation
     */
    public static byte[] encode(ModelState state, long version, Map<Integer, Position> positions, Map<Integer, Long> consumed,
            Map<String, String> extra) {
        return encode(state, version, positions, consumed, extra, Map.of());
    }

    /**
     * {@link #encode(ModelState, long, Map, Map, Map)}, with further models beside {@code state}:
     * each of {@code others} under its prefix (e.g. {@code trial.3.}), its tensors and its own
     * metadata entries (optimizer, counters, window, spec, ...) named as {@code state}'s with the
     * prefix in front. The lineage (version, positions, consumed) is the file's, once.
     */
    public static byte[] encode(ModelState state, long version, Map<Integer, Position> positions, Map<Integer, Long> consumed,
            Map<String, String> extra, Map<String, ModelState> others) {
        List<Safetensors.Tensor> tensors = new ArrayList<>();
        Map<String, String> meta = new LinkedHashMap<>();
        // First, so that its value sits at a fixed place in the header: it is filled in there
        // once the tensors are in the file (see seal), and the tensors are copied only once.
        meta.put(CRC_KEY, CRC_PLACEHOLDER);
        meta.put("format", FORMAT);
        meta.put("format_version", Integer.toString(FORMAT_VERSION));
        meta.put("model_id", state.spec().id());
        meta.put("version", Long.toString(version));
        meta.put("topic", state.spec().topic());
        meta.put("positions", LineageMetadata.positionsJson(positions));
        meta.put("consumed", LineageMetadata.consumedJson(consumed));
        ModelEntries.write(state, "", tensors, meta);
        others.forEach((prefix, other) -> ModelEntries.write(other, prefix, tensors, meta));
        meta.put("created_at", Instant.now().toString());
        extra.forEach((k, v) -> {
            if (meta.putIfAbsent(k, v) != null) {
                throw new IllegalArgumentException("metadata key " + k + " is reserved");
            }
        });
        byte[] file = Safetensors.writeDirect(tensors, meta);
        seal(file, meta);
        return file;
    }

    /** The checksum's value until {@link #seal} replaces it: as long as every checksum. */
    private static final String CRC_PLACEHOLDER = "00000000";
    /** How the header of a file written by {@link #encode} begins (the checksum is its first entry). */
    private static final byte[] SEAL_PREFIX = ("{\"__metadata__\":{\"" + SnapshotCodec.CRC_KEY + "\":\"")
            .getBytes(StandardCharsets.US_ASCII);

    /**
     * Writes the CRC-32C of the tensor bytes and {@code meta} over the placeholder at the start
     * of the header (same length, so nothing moves); the file then reads back as if the checksum
     * had been in the metadata from the start.
     */
    private static void seal(byte[] file, Map<String, String> meta) {
        int at = 8;
        for (byte b : SEAL_PREFIX) {
            if (file[at++] != b) {
                throw new IllegalStateException("the header does not begin with the checksum entry");
            }
        }
        int start = Safetensors.dataStart(file);
        byte[] value = crc(file, start, file.length - start, meta).getBytes(StandardCharsets.US_ASCII);
        if (value.length != CRC_PLACEHOLDER.length()) {
            throw new IllegalStateException("checksum " + new String(value, StandardCharsets.US_ASCII)
                    + " is not " + CRC_PLACEHOLDER.length() + " characters");
        }
        System.arraycopy(value, 0, file, at, value.length);
    }

    /**
     * Decodes the model of a snapshot for the model declared by {@code spec}. The spec's
     * hyper-parameters apply from here on; the architecture must match the snapshot's tensors.
     */
    public static ModelState decode(byte[] file, ModelSpec spec) throws SnapshotFormatException {
        return decodeWithLineage(file, spec).state();
    }

    /**
     * {@link #decode}, with the snapshot's lineage. Positions are offsets of the snapshot's topic:
     * for a spec that moved to another topic they are empty, and that topic starts from its
     * committed group offsets instead.
     */
    public static Decoded decodeWithLineage(byte[] file, ModelSpec spec) throws SnapshotFormatException {
        try {
            return decodeChecked(file, spec);
        } catch (RuntimeException e) {
            // A hostile or damaged file must end as a format error, never crash the restore.
            throw new SnapshotFormatException("snapshot is malformed: " + e);
        }
    }

    private static Decoded decodeChecked(byte[] file, ModelSpec spec) throws SnapshotFormatException {
        Safetensors.Contents c = checked(file, spec);
        Map<String, String> meta = c.metadata();
        // A search's lead is one of its trials, with the trial's own spec: the architecture may
        // differ from the representative spec's (SearchSnapshots restores the whole search).
        ModelSpec own = spec.searches() && meta.containsKey(SEARCH_STATE) ? spec(meta) : spec;
        ModelState state = ModelEntries.read(c, meta, "", own);
        return new Decoded(state, LineageMetadata.read(meta, longMeta(meta, "version"), spec.topic()));
    }

    /** Metadata key of a search's progress ({@code SearchSnapshots}); its presence marks a search snapshot. */
    static final String SEARCH_STATE = "search_state";

    /** The file read, its format, model and checksum checked. */
    private static Safetensors.Contents checked(byte[] file, ModelSpec spec) throws SnapshotFormatException {
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, String> meta = c.metadata();
        checkFormat(meta);
        String id = meta.get("model_id");
        if (!spec.id().equals(id)) {
            throw new SnapshotFormatException("snapshot is of model \"" + id + "\", not \"" + spec.id() + "\"");
        }
        checkCrc(file, c, meta);
        return c;
    }

    /**
     * The models stored under each prefix ({@link #encode(ModelState, long, Map, Map, Map, Map)}'s
     * {@code others}; {@code ""} is the file's own model), each decoded for its spec. The file is
     * read and its checksum checked once.
     */
    public static Map<String, ModelState> decodePrefixed(byte[] file, ModelSpec modelSpec, Map<String, ModelSpec> specs)
            throws SnapshotFormatException {
        try {
            Safetensors.Contents c = checked(file, modelSpec);
            Map<String, ModelState> out = new LinkedHashMap<>();
            for (Map.Entry<String, ModelSpec> e : specs.entrySet()) {
                out.put(e.getKey(), ModelEntries.read(c, c.metadata(), e.getKey(), e.getValue()));
            }
            return out;
        } catch (RuntimeException e) {
            throw new SnapshotFormatException("snapshot is malformed: " + e);
        }
    }

    /**
     * Pre-trained initialization: copies the parameters of {@code file}, a snapshot of this or
     * any other model, or a PyTorch {@code state_dict} saved as safetensors (any file whose
     * metadata does not say {@code format=streamfit.snapshot}: see {@link StateDictLoader}, which
     * also refuses unexpected tensors in strict mode), into {@code target} by tensor name, as
     * {@code load_state_dict} does. Every
     * tensor found must have the target's shape; with {@code strict} every target tensor must be
     * found. With {@code optimizerState}, the optimizer's state and step count are copied too
     * when the snapshot's optimizer is the same type and carries every state tensor (otherwise
     * the optimizer starts fresh). Tensors of the snapshot that the target lacks are ignored, and
     * a snapshot that provides none of the target's parameters is refused. Stream positions,
     * counters and the RNG are not copied: the target is a new model that starts from these
     * weights.
     *
     * @return the names of the tensors loaded (parameters and, if copied, optimizer state)
     */
    public static List<String> initializeFrom(byte[] file, ModelState target, boolean strict, boolean optimizerState)
            throws SnapshotFormatException {
        try {
            Safetensors.Contents c = Safetensors.read(file);
            Map<String, String> meta = c.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                return StateDictLoader.load(c, target, strict); // a PyTorch state_dict: parameters only
            }
            checkFormat(meta);
            checkCrc(file, c, meta);
            List<String> loaded = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            copyPresent(c, target.network().tensors(), target.network().params(), loaded, missing);
            copyPresent(c, target.network().bufferTensors(), target.network().buffers(), loaded, missing);
            if (loaded.isEmpty()) {
                throw new SnapshotFormatException("no parameter of model \"" + meta.get("model_id") + "\" matches this "
                        + "model's tensor names " + missing + ": the architectures differ");
            }
            if (strict && !missing.isEmpty()) {
                throw new SnapshotFormatException("snapshot of model \"" + meta.get("model_id") + "\" lacks " + missing
                        + " (set pretrained.strict: false to initialize those from the spec instead)");
            }
            if (optimizerState && missing.isEmpty()) {
                loaded.addAll(ModelEntries.restoreOptimizer(c, meta, "", target));
            }
            return loaded;
        } catch (RuntimeException e) {
            // Only the kind of failure: its message might quote the file, and any file may be handed to this method.
            throw new SnapshotFormatException("snapshot is malformed (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Copies each of {@code tensors} the snapshot has into {@code flat}, noting which were and were not there. */
    private static void copyPresent(Safetensors.Contents c, List<ParamTensor> tensors, INDArray flat,
            List<String> loaded, List<String> missing) throws SnapshotFormatException {
        FloatBuffer target = flat.data().asNioFloat();
        for (ParamTensor t : tensors) {
            if (c.tensors().containsKey(t.name())) {
                ModelEntries.copy(c, t.name(), t, target);
                loaded.add(t.name());
            } else {
                missing.add(t.name());
            }
        }
    }

    /** Reads only the metadata (for listings and checks) after verifying the format. */
    public static Map<String, String> metadata(byte[] file) throws SnapshotFormatException {
        Safetensors.Contents c = Safetensors.read(file);
        checkFormat(c.metadata());
        return c.metadata();
    }

    /** The spec a snapshot was trained under. */
    public static ModelSpec spec(Map<String, String> meta) throws SnapshotFormatException {
        try {
            return SpecParser.parse(meta.get("spec"));
        } catch (SpecException e) {
            throw new SnapshotFormatException("snapshot carries an invalid spec: " + e.getMessage());
        }
    }

    private static void checkFormat(Map<String, String> meta) throws SnapshotFormatException {
        if (!FORMAT.equals(meta.get("format"))) {
            throw new SnapshotFormatException("not a streamfit snapshot (its metadata lacks format=" + FORMAT + ")");
        }
        int v;
        try {
            v = Integer.parseInt(meta.getOrDefault("format_version", ""));
        } catch (NumberFormatException e) {
            throw new SnapshotFormatException("format_version is missing or not a number");
        }
        if (v > FORMAT_VERSION) {
            throw new SnapshotFormatException("snapshot format version " + v + " is newer than this streamfit understands ("
                    + FORMAT_VERSION + "): upgrade streamfit to restore it");
        }
    }

    /** Metadata key of the CRC-32C over the tensor bytes and every other metadata entry. */
    static final String CRC_KEY = "crc32c";

    /** CRC-32C over the data section, then each metadata entry but the checksum, sorted by key. */
    private static String crc(byte[] data, int offset, int length, Map<String, String> meta) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        new TreeMap<>(meta).forEach((k, v) -> {
            if (!k.equals(CRC_KEY)) {
                crc.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
        return String.format("%08x", crc.getValue());
    }

    static String crc(byte[] data, Map<String, String> meta) {
        return crc(data, 0, data.length, meta);
    }

    private static void checkCrc(byte[] file, Safetensors.Contents c, Map<String, String> meta) throws SnapshotFormatException {
        int start = 8 + c.headerLength();
        String actual = crc(file, start, file.length - start, meta);
        if (!actual.equals(meta.get(CRC_KEY))) {
            throw new SnapshotFormatException("checksum " + actual + " does not match " + CRC_KEY + "="
                    + meta.get(CRC_KEY) + ": the snapshot is corrupt");
        }
    }

    private static long longMeta(Map<String, String> meta, String key) throws SnapshotFormatException {
        return ModelEntries.longMeta(meta, "", key);
    }

    /**
     * An integer of the metadata, exactly: a fraction, a string, or a number beyond a long is
     * refused (asLong() would truncate 2^64 + 10 to 10 and read "abc" as 0).
     */
    static long exactLong(JsonNode n) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException("not an integer: " + n);
        }
        return n.longValue();
    }

}
