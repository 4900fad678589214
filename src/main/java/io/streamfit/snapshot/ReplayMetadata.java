package io.streamfit.snapshot;

import io.streamfit.train.ModelState;
import io.streamfit.train.ReplayBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * A model's replay reservoir in a snapshot: tensors {@code replay.x} ({@code [filled, input_width]})
 * and {@code replay.y} ({@code [filled, target_width]}: class indices as floats, or targets), and
 * metadata {@value #KEY}: {@code seen,filled,rng_state}. Loading the file into a PyTorch module
 * leaves them out like the {@code optimizer.*} tensors. A snapshot without them (replay was switched
 * on since) restores an empty reservoir.
 */
final class ReplayMetadata {
    static final String KEY = "replay";
    static final String INPUTS = "replay.x";
    static final String TARGETS = "replay.y";

    private ReplayMetadata() {}

    static void write(ModelState state, String prefix, List<Safetensors.Tensor> tensors, Map<String, String> own) {
        ReplayBuffer r = state.replay();
        if (r == null) {
            return;
        }
        tensors.add(new Safetensors.Tensor(prefix + INPUTS, new long[] {r.filled(), r.width()}, FloatBuffer.wrap(r.inputs())));
        tensors.add(new Safetensors.Tensor(prefix + TARGETS, new long[] {r.filled(), r.targetWidth()},
                FloatBuffer.wrap(r.targets())));
        ReplayBuffer.State s = r.state();
        own.put(KEY, s.seen() + "," + s.filled() + "," + s.rngState());
    }

    static void restore(ModelState state, Safetensors.Contents c, Map<String, String> meta, String prefix)
            throws SnapshotFormatException {
        ReplayBuffer r = state.replay();
        String saved = meta.get(KEY);
        if (r == null || saved == null) {
            return;
        }
        try {
            String[] f = saved.split(",", -1);
            if (f.length != 3) {
                throw new IllegalArgumentException("expected seen,filled,rng_state");
            }
            ReplayBuffer.State s = new ReplayBuffer.State(Long.parseLong(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]));
            r.restore(s, floats(c, prefix + INPUTS), floats(c, prefix + TARGETS));
        } catch (IllegalArgumentException e) { // NumberFormatException included
            throw new SnapshotFormatException("metadata " + prefix + KEY + " (" + saved + ") and tensors " + prefix + INPUTS
                    + ", " + prefix + TARGETS + " are not a reservoir: " + e.getMessage());
        }
    }

    private static float[] floats(Safetensors.Contents c, String name) {
        Safetensors.Tensor t = c.tensors().get(name);
        if (t == null) {
            throw new IllegalArgumentException("tensor " + name + " is missing");
        }
        FloatBuffer b = t.data().duplicate();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }
}
