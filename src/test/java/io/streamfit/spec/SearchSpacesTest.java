package io.streamfit.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.search.Space;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Search spaces in a spec: found by path, refused with the path when malformed or when the field cannot take them. */
class SearchSpacesTest {
    private static final String SPEC = """
            id: s
            topic: s.in
            input_width: 4
            task: {type: classification, classes: 3}
            layers: [{type: dense, units: %s}, {type: relu}, {type: dense, units: 3}]
            optimizer: {type: adam, lr: %s, weight_decay: %s}
            batch_size: 8
            """;

    private static JsonNode spec(String units, String lr, String weightDecay) {
        return SpecText.read(SPEC.formatted(units, lr, weightDecay));
    }

    @Test
    void spacesAreFoundByPathInDocumentOrder() {
        Map<String, Space> spaces = SearchSpaces.extract(
                spec("{choice: [64, 128]}", "{log_uniform: [1.0e-4, 1.0e-1]}", "{uniform: [0, 0.01]}"));
        assertEquals(List.of("layers[0].units", "optimizer.lr", "optimizer.weight_decay"), List.copyOf(spaces.keySet()));
        assertEquals(new Space.Choice(List.of(64L, 128L)), spaces.get("layers[0].units"));
        assertEquals(new Space.LogUniform(1e-4, 1e-1), spaces.get("optimizer.lr"));
    }

    @Test
    void aTrialsValuesMakeASpecThatParses() {
        JsonNode root = spec("{int_uniform: [16, 256]}", "{log_uniform: [1.0e-4, 1.0e-1]}", "0");
        ModelSpec s = SpecParser.parse(SearchSpaces.with(root, Map.of("layers[0].units", 100L, "optimizer.lr", 0.003)));
        assertEquals(0.003, s.optimizer().lr(), 0);
        assertEquals(100L, s.layers().get(0).values().count("units"));
        SearchSpaces.check(root); // every end of every space is a spec the parser takes
    }

    @Test
    void malformedSpacesAreRefusedWithTheirPath() {
        SpecException e = assertThrows(SpecException.class, () -> SearchSpaces.extract(
                spec("{int_uniform: [1.5, 4]}", "{log_uniform: [0, 1]}", "{choice: []}")));
        assertEquals(List.of("layers[0].units: int_uniform needs two whole numbers [lo, hi], got [1.5,4]",
                "optimizer.lr: log_uniform needs bounds 0 < lo < hi, got [0.0, 1.0]",
                "optimizer.weight_decay: choice needs a list, got []"), e.errors());
    }

    @Test
    void aSpaceTheFieldCannotTakeIsRefusedAtTheValueThatFails() {
        SpecException e = assertThrows(SpecException.class, () -> SearchSpaces.check(
                spec("{int_uniform: [0, 64]}", "{uniform: [-0.1, 0.1]}", "0")));
        assertEquals(List.of("search space layers[0].units at 0: layers[0].units must be > 0, got 0",
                "search space optimizer.lr at -0.1: optimizer.lr must be >= 0, got -0.1"), e.errors());
    }
}
