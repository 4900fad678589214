package io.streamfit.snapshot;

import io.streamfit.nn.ParamTensor;
import io.streamfit.train.ModelState;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Initializes a model from a PyTorch {@code state_dict} saved as safetensors (e.g.
 * {@code safetensors.torch.save_file(model.state_dict(), path)} for the equivalent
 * {@code nn.Sequential}), under the tensor names streamfit's snapshots use: {@code 0.weight},
 * {@code 0.bias}, batch norm's {@code 1.running_mean}, {@code 1.running_var},
 * {@code 1.num_batches_tracked}, {@code 2.body.0.weight} in a residual block.
 *
 * <p>Accepted: parameters and normalization buffers stored as F32, F64, F16 or BF16 (converted
 * to float32, rounding to nearest), and {@code num_batches_tracked} also as I64, with exactly the
 * model's shapes and finite values. Nothing else is taken from the file: the optimizer state,
 * step count, RNG and counters are those of a fresh model. Refused, naming the tensor: a shape
 * that differs (with the expected and the found shape), a non-float dtype, a non-finite value;
 * in strict mode (PyTorch's {@code load_state_dict(strict=True)}) any missing or unexpected
 * tensor, listed by name; otherwise a file that matches none of the model's tensors.
 */
final class StateDictLoader {
    private static final int MAX_NAMES_SHOWN = 10;

    private StateDictLoader() {}

    /** Copies the file's tensors into {@code target}; returns the names loaded. */
    static List<String> load(Safetensors.Contents c, ModelState target, boolean strict) throws SnapshotFormatException {
        List<ParamTensor> params = target.network().tensors();
        List<ParamTensor> buffers = target.network().bufferTensors();
        Set<String> known = new HashSet<>();
        List<String> missing = new ArrayList<>();
        for (List<ParamTensor> group : List.of(params, buffers)) {
            for (ParamTensor t : group) {
                known.add(t.name());
                Safetensors.Tensor src = c.tensors().get(t.name());
                if (src == null) {
                    missing.add(t.name());
                } else {
                    check(src, t);
                }
            }
        }
        List<String> unexpected = c.tensors().keySet().stream().filter(n -> !known.contains(n)).map(Safetensors::excerpt)
                .toList();
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new SnapshotFormatException("the state_dict does not match this model (strict): "
                    + (missing.isEmpty() ? "" : "missing tensors " + names(missing) + (unexpected.isEmpty() ? "" : "; "))
                    + (unexpected.isEmpty() ? "" : "unexpected tensors " + names(unexpected))
                    + " (set pretrained.strict: false to load the tensors that match and initialize the rest from the spec)");
        }
        if (missing.size() == known.size()) {
            throw new SnapshotFormatException("no tensor of the state_dict matches this model's tensor names " + names(missing)
                    + ": the architectures differ");
        }
        List<String> loaded = new ArrayList<>();
        copy(c, params, target.network().params().data().asNioFloat(), loaded);
        copy(c, buffers, target.network().buffers().data().asNioFloat(), loaded);
        return loaded;
    }

    private static void check(Safetensors.Tensor src, ParamTensor t) throws SnapshotFormatException {
        if (src.dtype().equals("I64") && !t.name().endsWith("num_batches_tracked")) {
            throw new SnapshotFormatException("tensor " + t.name() + " has dtype I64; expected a floating-point dtype "
                    + "(F32, F64, F16 or BF16)");
        }
        if (!Arrays.equals(src.shape(), t.shape())) {
            throw new SnapshotFormatException("tensor " + t.name() + ": expected shape " + Arrays.toString(t.shape())
                    + ", found " + Arrays.toString(src.shape()));
        }
        FloatBuffer d = src.data().duplicate();
        for (int i = 0; i < t.length(); i++) {
            if (!Float.isFinite(d.get())) {
                throw new SnapshotFormatException("tensor " + t.name() + " has a non-finite value at element " + i);
            }
        }
    }

    private static void copy(Safetensors.Contents c, List<ParamTensor> tensors, FloatBuffer flat, List<String> loaded) {
        for (ParamTensor t : tensors) {
            Safetensors.Tensor src = c.tensors().get(t.name());
            if (src != null) {
                FloatBuffer dst = flat.duplicate();
                dst.position(Math.toIntExact(t.offset()));
                FloatBuffer data = src.data().duplicate();
                data.limit(data.position() + Math.toIntExact(t.length()));
                dst.put(data);
                loaded.add(t.name());
            }
        }
    }

    private static String names(List<String> names) {
        return names.size() <= MAX_NAMES_SHOWN ? names.toString()
                : names.subList(0, MAX_NAMES_SHOWN) + " and " + (names.size() - MAX_NAMES_SHOWN) + " more";
    }
}
