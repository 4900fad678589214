package io.streamfit.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pretrained: {file: ...}} reads only regular files inside the configured directory, no
 * larger than the snapshot limit, and each refusal says why without a byte of the file. Before
 * this, any path on the server was read whole: {@code /dev/zero} ran the training thread out of
 * memory and {@code /etc/passwd} came back as a number in the error message.
 */
class PretrainedFilesTest {
    @TempDir
    Path dir;

    private PretrainedFiles files(long maxBytes) {
        return new PretrainedFiles(Optional.of(dir), true, maxBytes);
    }

    private String refusal(PretrainedFiles f, String name) {
        return assertThrows(LocalFiles.Refused.class, () -> f.read(name)).getMessage();
    }

    @Test
    void aRegularFileInsideTheDirectoryIsRead() throws Exception {
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/a.safetensors"), new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, files(3).read("sub/a.safetensors"));
        assertArrayEquals(new byte[] {1, 2, 3}, files(3).read(dir.resolve("sub/../sub/a.safetensors").toString()),
                "absolute, inside");
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("sub/a.safetensors"));
        assertArrayEquals(new byte[] {1, 2, 3}, files(3).read("link"), "a symlink that stays inside");
    }

    @Test
    void everythingElseIsRefusedWithAReasonAndNoContent() throws Exception {
        String outside = "is refused: it leads outside the directory for pre-trained files (streamfit.pretrained.dir)";
        assertEquals("pretrained.file /dev/zero " + outside, refusal(files(1 << 20), "/dev/zero"));
        assertEquals("pretrained.file /etc/passwd " + outside, refusal(files(1 << 20), "/etc/passwd"));
        assertEquals("pretrained.file ../../../../etc/passwd " + outside, refusal(files(1 << 20), "../../../../etc/passwd"));
        assertEquals("pretrained.file ../nope " + outside, refusal(files(1 << 20), "../nope"), "no hint whether it exists");
        Files.createSymbolicLink(dir.resolve("passwd"), Path.of("/etc/passwd"));
        assertEquals("pretrained.file passwd " + outside, refusal(files(1 << 20), "passwd"), "a symlink out");
        Files.createDirectories(dir.resolve("d"));
        Files.createSymbolicLink(dir.resolve("d/up"), Path.of(".."));
        assertEquals("pretrained.file d/up/../../etc/passwd " + outside, refusal(files(1 << 20), "d/up/../../etc/passwd"));

        assertEquals("cannot read pretrained.file d: is a directory", refusal(files(1 << 20), "d"));
        assertEquals("cannot read pretrained.file missing: no such file", refusal(files(1 << 20), "missing"));
        Files.write(dir.resolve("big"), new byte[101]);
        assertEquals("cannot read pretrained.file big: is 101 bytes, more than the limit of 100 bytes "
                + "(the snapshot limit, streamfit.snapshot.max-bytes)", refusal(files(100), "big"));
        // A device, even inside the directory: never read (before, /dev/zero ran the heap out).
        assertEquals("cannot read pretrained.file zero: is not a regular file (a device, pipe or socket)",
                refusal(new PretrainedFiles(Optional.of(Path.of("/dev")), true, 1 << 20), "zero"));
        Files.createSymbolicLink(dir.resolve("z"), Path.of("/dev/zero"));
        assertEquals("pretrained.file z " + outside, refusal(files(1 << 20), "z"));
        Path fifo = dir.resolve("fifo");
        if (new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0) {
            assertEquals("cannot read pretrained.file fifo: is not a regular file (a device, pipe or socket)",
                    refusal(files(1 << 20), "fifo"), "a pipe would block the reader forever");
        }
        Files.write(dir.resolve("ok"), new byte[] {1});
        assertEquals("pretrained.file ok is refused: no directory for pre-trained files is configured (streamfit.pretrained.dir)",
                refusal(PretrainedFiles.none(1 << 20), "ok"));
    }

    @Test
    void specsFromTheApiMayNameFilesOnlyWhenAllowed() {
        String spec = """
                id: p
                topic: t
                input_width: 2
                task: {type: classification, classes: 2}
                layers: [{type: dense, units: 2}]
                optimizer: {type: sgd, lr: 0.1}
                batch_size: 4
                """;
        ModelSpec withFile = SpecParser.parse(spec + "pretrained: {file: a.safetensors}\n");
        SpecException e = assertThrows(SpecException.class,
                () -> new PretrainedFiles(Optional.of(dir), false, 100).checkApiSpec(withFile));
        assertEquals(List.of("pretrained.file is not allowed in specs sent over the API (streamfit.pretrained.allow-api-files "
                + "is off): use pretrained.model, or declare the model in the specs directory"), e.errors());
        new PretrainedFiles(Optional.of(dir), true, 100).checkApiSpec(withFile); // allowed: no exception
        new PretrainedFiles(Optional.of(dir), false, 100).checkApiSpec(SpecParser.parse(spec + "pretrained: {model: other}\n"));
        new PretrainedFiles(Optional.empty(), false, 100).checkApiSpec(SpecParser.parse(spec)); // model sources and none: always fine
    }

    @Test
    void localFilesSayWhyTheyCannotBeWritten() throws Exception {
        Files.write(dir.resolve("file"), new byte[] {1});
        Files.createDirectories(dir.resolve("d"));
        assertEquals("is a directory",
                assertThrows(LocalFiles.Refused.class, () -> LocalFiles.checkWritable(dir.resolve("d"))).getMessage());
        assertEquals("a part of the path is a file, not a directory",
                assertThrows(LocalFiles.Refused.class, () -> LocalFiles.checkWritable(dir.resolve("file/out"))).getMessage());
        LocalFiles.checkWritable(dir.resolve("new/dir/out.safetensors"));
        try (var s = Files.list(dir.resolve("new/dir"))) {
            assertEquals(0, s.count(), "the probe file is gone");
        }
    }
}
