package io.streamfit.stream;

import io.streamfit.files.LocalFiles;
import io.streamfit.files.PretrainedFiles;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.snapshot.Teachers;
import io.streamfit.spec.ModelSpec;
import io.streamfit.train.ModelState;
import io.streamfit.train.Teacher;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * A model's starting point: fresh from its spec's seed, then overwritten with the spec's
 * {@code pretrained} source when it names one.
 *
 * <p>Sources: {@code pretrained.model}, the newest snapshot of that model on the snapshot topic
 * that fits this model (older ones are tried in turn); {@code pretrained.file}, a file read under
 * the rules of {@link PretrainedFiles} (only from the configured directory, a regular file, at
 * most the snapshot limit), holding a streamfit snapshot or a PyTorch {@code state_dict} in
 * safetensors. Only parameters and normalization buffers are taken; the optimizer starts fresh.
 * The source's bytes are kept after the first read, so a rollback before the first snapshot
 * returns to exactly the same starting point. A source that is missing, refused or does not fit
 * ends in {@link Unavailable}, whose message names the source and the reason and never quotes
 * the file.
 *
 * <p>The same sources give a {@code distillation} teacher ({@link #teacher()}): the teacher
 * model's newest snapshot that can teach this model, or the file; read once per session, so a
 * restarted student takes the teacher model's snapshot of that moment.
 */
final class PretrainedSource {
    private static final Logger LOG = Logger.getLogger(PretrainedSource.class);

    private final ModelSpec spec;
    private final SnapshotStore store;
    private final PretrainedFiles files;
    private byte[] bytes;
    private Teacher teacher;

    PretrainedSource(ModelSpec spec, SnapshotStore store, PretrainedFiles files) {
        this.spec = spec;
        this.store = store;
        this.files = files;
    }

    /**
     * The spec's pre-trained source is missing, refused or does not fit. Permanent, so the model
     * stops with this reason (it is not an {@link IllegalStateException}, which recovery treats
     * as "the cluster is still unreachable" and retries).
     */
    static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message);
        }
    }

    /** The model before its first step. */
    ModelState startingState() {
        ModelState fresh = ModelState.fresh(spec);
        ModelSpec.PretrainedSpec p = spec.pretrained();
        if (p == null) {
            return fresh;
        }
        if (bytes == null) {
            bytes = p.file() != null ? readFile(p.file()) : newestSnapshot(p);
        }
        try {
            List<String> loaded = SnapshotCodec.initializeFrom(bytes, fresh, p.strict(), false);
            LOG.infof("model %s: loaded %d pre-trained tensors %s", spec.id(), loaded.size(), loaded);
        } catch (SnapshotFormatException e) {
            throw new Unavailable("pretrained: " + e.getMessage());
        }
        return fresh;
    }

    /** The spec's distillation teacher, loaded at the first call; null without distillation. */
    Teacher teacher() {
        ModelSpec.DistillationSpec d = spec.distillation();
        if (d == null || teacher != null) {
            return teacher;
        }
        List<String> problems = new ArrayList<>();
        List<byte[]> candidates = d.teacherFile() != null ? List.of(readFile(d.teacherFile())) : store.newest(d.teacherModel());
        for (byte[] candidate : candidates) {
            try {
                teacher = Teachers.load(candidate, spec);
                LOG.infof("model %s: distilling from %s, snapshot version %d (temperature %s, alpha %s)", spec.id(),
                        teacher.source(), teacher.version(), d.temperature(), d.alpha());
                return teacher;
            } catch (SnapshotFormatException | RuntimeException e) {
                problems.add(e.getMessage());
            }
        }
        throw new Unavailable("distillation.teacher: " + d.teacherSource() + " has no snapshot that can teach this model"
                + (problems.isEmpty() ? " on topic " + store.topic() : ": " + problems));
    }

    private byte[] readFile(String name) {
        try {
            return files.read(name);
        } catch (LocalFiles.Refused e) {
            throw new Unavailable(e.getMessage());
        }
    }

    private byte[] newestSnapshot(ModelSpec.PretrainedSpec p) {
        List<String> problems = new ArrayList<>();
        for (byte[] candidate : store.newest(p.model())) {
            try {
                SnapshotCodec.initializeFrom(candidate, ModelState.fresh(spec), p.strict(), false);
                return candidate;
            } catch (SnapshotFormatException e) {
                problems.add(e.getMessage());
            }
        }
        throw new Unavailable("pretrained.model " + p.model() + " has no usable snapshot on topic "
                + store.topic() + (problems.isEmpty() ? "" : ": " + problems));
    }
}
