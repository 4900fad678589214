package io.streamfit.train;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Which OpenBLAS the GEMMs run on: ND4J's bundled 0.3.19 ({@code bundled}, the default) or the
 * system's ({@code system}, Debian's {@code libopenblas0-pthread}, 0.3.21 on bookworm), chosen
 * with the JVM property {@code -Dstreamfit.blas=system} or the environment variable
 * {@code STREAMFIT_BLAS=system}.
 *
 * <p>Why: the set-up notes measured Debian's build about 18 % faster than the bundled one on the
 * (64x784)x(784x256) GEMMs of the benchmark MLP on a Zen 4, and 50 against 42 GFLOP/s on this
 * project's shared AMD EPYC host (issue 13); see docs/performance.md.
 *
 * <p>How: JavaCPP loads the library, so the choice must be made before any ND4J class loads, which
 * is why it is a JVM property or environment variable and not a Quarkus setting ({@link #select} runs
 * first thing in {@code main}). {@code system} sets JavaCPP's {@code org.bytedeco.openblas.load},
 * puts the library's directory first on {@code java.library.path} with
 * {@code org.bytedeco.javacpp.pathsFirst} (without it the bundled library still wins), and moves
 * JavaCPP's cache to a directory of its own, because JavaCPP copies the loaded library into its
 * cache under the bundled library's name and a later {@code bundled} run would pick it up.
 * {@link #loaded()} reads which library the process really mapped.
 */
public final class BlasLibrary {
    public static final String PROPERTY = "streamfit.blas";
    public static final String ENV = "STREAMFIT_BLAS";
    /** Where {@code system} looks; {@code -Dstreamfit.blas.dir} or {@code STREAMFIT_BLAS_DIR} overrides it. */
    public static final String DEFAULT_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread";

    private BlasLibrary() {}

    /**
     * Applies {@code streamfit.blas} (property first, then environment). Must run before ND4J
     * loads. Returns the choice ({@code bundled} or {@code system}).
     *
     * @throws IllegalArgumentException naming the setting, for an unknown value or a system
     *     library that is not there
     */
    public static String select() {
        String choice = setting(PROPERTY, ENV, "bundled").toLowerCase(Locale.ROOT);
        switch (choice) {
            case "bundled" -> {
                return choice;
            }
            case "system" -> {
                Path dir = Path.of(setting(PROPERTY + ".dir", ENV + "_DIR", DEFAULT_DIR));
                if (!Files.isRegularFile(dir.resolve("libopenblas.so.0"))) {
                    throw new IllegalArgumentException(PROPERTY + "=system: no libopenblas.so.0 in " + dir
                            + " (install Debian's libopenblas0-pthread, or point " + PROPERTY
                            + ".dir at the library's directory)");
                }
                System.setProperty("org.bytedeco.openblas.load", "openblas");
                System.setProperty("org.bytedeco.javacpp.pathsFirst", "true");
                String path = System.getProperty("java.library.path", "");
                System.setProperty("java.library.path", path.isEmpty() ? dir.toString() : dir + File.pathSeparator + path);
                String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
                System.setProperty("org.bytedeco.javacpp.cachedir", cache == null
                        ? Path.of(System.getProperty("user.home"), ".javacpp", "cache-system-openblas").toString()
                        : cache + "-system-openblas");
                return choice;
            }
            default -> throw new IllegalArgumentException(PROPERTY + " is \"" + choice + "\": expected bundled or system");
        }
    }

    /**
     * The OpenBLAS this process has mapped: its version as the library names itself (JavaCPP may
     * load a copy from its cache, so the path alone does not tell) and the file, e.g.
     * {@code "OpenBLAS 0.3.21 (/root/.javacpp/.../libopenblas_nolapack.so.0)"}; "unknown" where
     * {@code /proc/self/maps} cannot tell.
     */
    public static String loaded() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            String file = lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(p -> p.startsWith("/") && p.substring(p.lastIndexOf('/') + 1).startsWith("libopenblas"))
                    .findFirst().orElse(null);
            return file == null ? "unknown" : version(Path.of(file)) + " (" + file + ")";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The "OpenBLAS 0.x.y" string built into the library file, or "OpenBLAS". */
    private static String version(Path file) throws IOException {
        byte[] tag = "OpenBLAS 0.".getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(file)) {
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            int limit = b.limit() - tag.length - 8;
            for (int i = 0; i < limit; i++) {
                if (b.get(i) != tag[0]) {
                    continue;
                }
                int k = 1;
                while (k < tag.length && b.get(i + k) == tag[k]) {
                    k++;
                }
                if (k == tag.length) {
                    StringBuilder v = new StringBuilder("OpenBLAS 0.");
                    for (int j = i + k; j < b.limit() && (Character.isDigit(b.get(j)) || b.get(j) == '.'); j++) {
                        v.append((char) b.get(j));
                    }
                    return v.toString().replaceAll("\\.$", "");
                }
            }
        }
        return "OpenBLAS";
    }

    private static String setting(String property, String env, String fallback) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? fallback : v.trim();
    }
}
