package io.streamfit.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecDirectoryTest {
    private static final String SPEC = """
            id: learn
            topic: learn.in
            input_width: 8
            task: {type: classification, classes: 4}
            layers: [{type: dense, units: 4}]
            optimizer: {type: sgd, lr: 0.1}
            batch_size: 16
            """;

    @Test
    void loadsEachSpecAndRejectsOversizedBrokenAndDuplicateFilesWithTheirReasons(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"), SPEC);
        Files.writeString(dir.resolve("b.yaml"), SPEC); // the same id again
        Files.writeString(dir.resolve("c.yaml"), "id: [");
        Files.write(dir.resolve("d.yaml"), new byte[SpecParser.MAX_SPEC_BYTES + 1]);
        Files.writeString(dir.resolve("notes.txt"), "not a spec");
        Map<String, String> rejected = new TreeMap<>();
        List<ModelSpec> specs = new SpecDirectory(Optional.of(dir)).load(rejected);
        assertEquals(List.of("learn"), specs.stream().map(ModelSpec::id).toList());
        assertEquals(3, rejected.size(), rejected.toString());
        assertTrue(rejected.get(dir.resolve("b.yaml").toString()).contains("is declared by another file too"),
                rejected.toString());
        assertTrue(rejected.get(dir.resolve("c.yaml").toString()).startsWith("spec is not valid"), rejected.toString());
        assertEquals("spec is " + (SpecParser.MAX_SPEC_BYTES + 1) + " bytes, more than the limit of " + SpecParser.MAX_SPEC_BYTES
                + " bytes (1 MiB)", rejected.get(dir.resolve("d.yaml").toString()));
    }

    @Test
    void persistWritesIdJsonThatLoadsBack(@TempDir Path dir) throws Exception {
        Path specs = dir.resolve("specs");
        SpecDirectory d = new SpecDirectory(Optional.of(specs));
        ModelSpec spec = SpecParser.parse(SPEC);
        assertTrue(d.persist(spec));
        assertEquals(Optional.of(specs.resolve("learn.json")), d.fileOf("learn"));
        assertTrue(Files.isRegularFile(specs.resolve("learn.json")));
        assertEquals(List.of("learn"), d.load(new TreeMap<>()).stream().map(ModelSpec::id).toList());
        assertFalse(new SpecDirectory(Optional.empty()).persist(spec), "no directory, nothing written");
    }
}
