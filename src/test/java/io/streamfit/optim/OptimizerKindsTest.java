package io.streamfit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each {@link OptimizerKind} says what its optimizer is: the state tensors it declares are the ones
 * the optimizer it builds keeps (for every combination of its flags, with and without momentum),
 * and the docs' optimizer table lists its PyTorch class, every hyper-parameter with its default
 * and every state tensor.
 */
class OptimizerKindsTest {
    /** Defaults, with the given flags set and numbers replaced. */
    private static HyperValues values(OptimizerKind kind, Map<String, Object> overrides) {
        Map<String, Object> v = new HashMap<>();
        for (HyperParameter p : kind.params()) {
            v.put(p.name(), overrides.getOrDefault(p.name(), p.defaultValue()));
        }
        return HyperValues.of(v);
    }

    /** Every combination of the kind's flags, each with momentum 0 and 0.9 where it has one; only those its rules allow. */
    private static List<HyperValues> settings(OptimizerKind kind) {
        List<String> flags = kind.params().stream().filter(p -> p.kind() == HyperParameter.Kind.FLAG).map(HyperParameter::name)
                .toList();
        boolean momentum = kind.params().stream().anyMatch(p -> p.name().equals("momentum"));
        List<HyperValues> out = new ArrayList<>();
        for (int mask = 0; mask < 1 << flags.size(); mask++) {
            for (double m : momentum ? new double[] {0, 0.9} : new double[] {Double.NaN}) {
                Map<String, Object> o = new HashMap<>();
                for (int i = 0; i < flags.size(); i++) {
                    o.put(flags.get(i), (mask >> i & 1) == 1);
                }
                if (momentum) {
                    o.put("momentum", m);
                }
                HyperValues h = values(kind, o);
                if (kind.rules().stream().allMatch(r -> r.holds().test(h))) {
                    out.add(h);
                }
            }
        }
        return out;
    }

    @Test
    void declaredStateTensorsAreTheOnesTheOptimizerKeeps() {
        int built = 0;
        for (OptimizerKind kind : Optimizers.ALL) {
            for (HyperValues h : settings(kind)) {
                FlatOptimizer o = kind.factory().create(Nd4j.zeros(DataType.FLOAT, 4), Nd4j.zeros(DataType.FLOAT, 4), h);
                assertEquals(kind.name(), o.type());
                assertEquals(kind.stateNames().apply(h), o.stateNames(), kind.name());
                built++;
            }
        }
        assertTrue(built >= 16, built + " optimizers built: every allowed combination of flags and momentum");
    }

    @Test
    void theDocsTableListsEveryHyperParameterWithItsDefault() throws IOException {
        String docs = Files.readString(Path.of("docs/specs.md"));
        for (OptimizerKind kind : Optimizers.ALL) {
            Matcher row = Pattern
                    .compile("(?m)^\\| `" + kind.name() + "` \\| `" + kind.torchClass() + "`[^|]*\\|([^|]*)\\|([^|]*)\\|$")
                    .matcher(docs);
            assertTrue(row.find(), "docs/specs.md has no optimizer row for " + kind.name() + " (" + kind.torchClass() + ")");
            String params = row.group(1);
            String states = row.group(2);
            // "as `adam`, but ...": the row refers to another one for what it does not name.
            boolean refers = params.contains("as `");
            for (HyperParameter p : kind.params()) {
                Matcher named = Pattern.compile("`" + p.name() + "`( (\\[[^\\]]*\\]|[^,(]+))?").matcher(params);
                if (!named.find()) {
                    assertTrue(refers, kind.name() + ": docs/specs.md does not list " + p.name());
                    continue;
                }
                if (named.group(2) != null && !named.group(2).startsWith("and")) {
                    String doc = named.group(2).strip().replaceAll(" and .*", "");
                    assertEquals(p.defaultText(), normalize(p, doc), kind.name() + "." + p.name() + " default in docs/specs.md");
                }
            }
            List<String> allStates = new ArrayList<>();
            settings(kind).forEach(
                    h -> kind.stateNames().apply(h).stream().filter(n -> !allStates.contains(n)).forEach(allStates::add));
            for (String state : allStates) {
                assertTrue(states.contains("`" + state + "`") || states.contains("as `"),
                        kind.name() + ": docs/specs.md does not list state tensor " + state);
            }
        }
    }

    /** The docs' way of writing a default, in {@link HyperParameter#defaultText}'s. */
    private static String normalize(HyperParameter p, String doc) {
        return p.kind() == HyperParameter.Kind.NUMBER ? HyperParameter.format(Double.parseDouble(doc)) : doc;
    }
}
