package io.streamfit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The golden reference files under {@code src/test/resources/golden}, made by the scripts in {@code src/test/python}. */
public final class Golden {
    private Golden() {}

    /** Reads {@code /golden/<file>} from the test class path. */
    public static JsonNode load(String file) {
        try (InputStream in = Golden.class.getResourceAsStream("/golden/" + file)) {
            if (in == null) {
                throw new IllegalStateException("no golden file " + file);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code (name, case)} arguments for a parameterized test, one per element of {@code cases}. */
    public static Stream<Arguments> namedCases(JsonNode cases) {
        List<Arguments> out = new ArrayList<>();
        cases.forEach(c -> out.add(Arguments.of(c.get("name").asText(), c)));
        return out.stream();
    }
}
