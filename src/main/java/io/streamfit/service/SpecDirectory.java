package io.streamfit.service;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The specs directory ({@code streamfit.models-dir}): one {@code .yaml}/{@code .yml}/{@code .json}
 * spec per file, the same on every instance (e.g. a ConfigMap). With ownership off, specs created
 * over HTTP are written into it as {@code <id>.json}. Guarantees: a file larger than
 * {@link SpecParser#MAX_SPEC_BYTES} is rejected by its size, before it is read; a file that does
 * not parse, or declares an id another file declares, is a rejected spec (with the reason), and
 * the others still load; a spec is written by an atomic rename, so a crash never leaves half a
 * file.
 */
final class SpecDirectory {
    private static final Logger LOG = Logger.getLogger(SpecDirectory.class);
    private final Optional<Path> dir;

    SpecDirectory(Optional<Path> dir) {
        this.dir = dir;
    }

    boolean configured() {
        return dir.isPresent();
    }

    /** The file a spec created over HTTP is written to: {@code <dir>/<id>.json}. */
    Optional<Path> fileOf(String id) {
        return dir.map(d -> d.resolve(id + ".json"));
    }

    /** The specs in the directory, by file name; each file that is refused goes into {@code rejected} with the reason. */
    List<ModelSpec> load(Map<String, String> rejected) throws IOException {
        List<ModelSpec> specs = new ArrayList<>();
        if (dir.isEmpty()) {
            return specs;
        }
        if (!Files.isDirectory(dir.get())) {
            LOG.warnf("streamfit.models-dir %s is not a directory: no models loaded from it", dir.get());
            return specs;
        }
        try (Stream<Path> files = Files.list(dir.get())) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (!(name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"))) {
                    continue;
                }
                try {
                    long size = Files.size(f);
                    if (size > SpecParser.MAX_SPEC_BYTES) {
                        throw new SpecException(List.of("spec is " + size + " bytes, more than the limit of "
                                + SpecParser.MAX_SPEC_BYTES + " bytes (1 MiB)"));
                    }
                    ModelSpec spec = SpecParser.parse(Files.readString(f, StandardCharsets.UTF_8));
                    if (specs.stream().anyMatch(s -> s.id().equals(spec.id()))) {
                        throw new SpecException(List.of("id \"" + spec.id() + "\" is declared by another file too"));
                    }
                    specs.add(spec);
                } catch (SpecException e) {
                    rejected.put(f.toString(), e.getMessage());
                    LOG.errorf("spec %s rejected: %s", f, e.getMessage());
                }
            }
        }
        LOG.infof("loaded %d model spec(s) from %s", specs.size(), dir.get());
        return specs;
    }

    /**
     * Writes a spec accepted over HTTP as {@code <id>.json}, so it survives a restart. Returns
     * false (and logs why) when there is no writable directory.
     */
    boolean persist(ModelSpec spec) {
        if (dir.isEmpty()) {
            return false;
        }
        try {
            Files.createDirectories(dir.get());
            Path tmp = dir.get().resolve("." + spec.id() + ".json.tmp");
            Files.writeString(tmp, SpecParser.toJson(spec), StandardCharsets.UTF_8);
            Files.move(tmp, fileOf(spec.id()).orElseThrow(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("model %s runs but its spec could not be written to %s (%s): it will not survive a restart",
                    spec.id(), dir.get(), e.toString());
            return false;
        }
    }
}
