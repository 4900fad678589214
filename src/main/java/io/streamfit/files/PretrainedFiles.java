package io.streamfit.files;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which files a spec's {@code pretrained: {file: ...}} may name, and reading them.
 *
 * <p>Accepted: a regular file whose canonical path (after every symlink, {@code ..} and
 * {@code .}) lies inside the configured directory {@code streamfit.pretrained.dir}, no larger
 * than the snapshot limit. A relative name is resolved in that directory. Refused, before
 * anything is read: any file when no directory is configured; a path that leads outside the
 * directory (absolute, {@code ../}, or through a symlink); a directory, device, pipe or socket;
 * a file larger than the limit; and, unless {@code streamfit.pretrained.allow-api-files} is on,
 * any file named by a spec that arrived over the API (POST, or stored in the models topic,
 * which only the API writes). Specs in the operator's specs directory may name files. Messages
 * name the spec's path and the reason, never anything read from the file.
 *
 * @param dir the directory pre-trained files are read from; empty: file sources are refused
 * @param allowFromApi whether specs that arrived over the API may name files in {@code dir}
 * @param maxBytes the largest file read (the snapshot limit)
 */
public record PretrainedFiles(Optional<Path> dir, boolean allowFromApi, long maxBytes) {

    /** No directory: every file source is refused. */
    public static PretrainedFiles none(long maxBytes) {
        return new PretrainedFiles(Optional.empty(), false, maxBytes);
    }

    /**
     * For a spec that arrived over the API (POST, or read from the models topic): refuses a
     * {@code pretrained.file} unless such specs may name files.
     */
    public void checkApiSpec(ModelSpec spec) {
        if (spec.pretrained() != null && spec.pretrained().file() != null && !allowFromApi) {
            throw new SpecException(List.of("pretrained.file is not allowed in specs sent over the API "
                    + "(streamfit.pretrained.allow-api-files is off): use pretrained.model, or declare the model "
                    + "in the specs directory"));
        }
    }

    /** The bytes of the file {@code name}, under the rules in the class documentation. */
    public byte[] read(String name) throws LocalFiles.Refused {
        String shown = "pretrained.file " + excerpt(name);
        if (dir.isEmpty()) {
            throw new LocalFiles.Refused(shown + " is refused: no directory for pre-trained files is configured "
                    + "(streamfit.pretrained.dir)");
        }
        Path real;
        try {
            Path root = dir.get().toRealPath();
            // Lexically first, so that a path outside says nothing about what exists there.
            if (!root.resolve(name).normalize().startsWith(root)) {
                throw new LocalFiles.Refused(shown + " is refused: it leads outside the directory for pre-trained files "
                        + "(streamfit.pretrained.dir)");
            }
            real = root.resolve(name).toRealPath();
            if (!real.startsWith(root)) {
                throw new LocalFiles.Refused(shown + " is refused: it leads outside the directory for pre-trained files "
                        + "(streamfit.pretrained.dir)");
            }
        } catch (InvalidPathException e) {
            throw new LocalFiles.Refused(shown + " is not a valid path");
        } catch (IOException e) {
            throw new LocalFiles.Refused("cannot read " + shown + ": " + LocalFiles.why(e));
        }
        try {
            return LocalFiles.readRegular(real, maxBytes);
        } catch (LocalFiles.Refused e) {
            throw new LocalFiles.Refused("cannot read " + shown + ": " + e.getMessage()
                    + (e.getMessage().contains("limit") ? " (the snapshot limit, streamfit.snapshot.max-bytes)" : ""));
        }
    }

    /** At most 200 characters of a name from a spec. */
    static String excerpt(String name) {
        return name.length() <= 200 ? name : name.substring(0, 200) + "...";
    }
}
