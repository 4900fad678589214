package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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

/**
 * Each {@link LayerKind} says what its layer is: a layer its factory builds has the kind's name,
 * the output width and parameter shapes its sizing predicts, and exactly the parameter and buffer
 * tensors it declares (which are what snapshots hold); and the docs' layer table lists every kind
 * with its module, every option with its default, every tensor and every limit.
 */
class LayerKindsTest {
    /** Defaults, with the required options given a value. */
    private static HyperValues defaults(LayerKind kind) {
        Map<String, Object> v = new HashMap<>();
        for (HyperParameter p : kind.options()) {
            Object value = p.defaultValue();
            if (value == null) {
                value = p.kind() == HyperParameter.Kind.COUNT ? (Object) 3L : (Object) 0.1;
            }
            v.put(p.name(), value);
        }
        return HyperValues.of(v);
    }

    private static List<String> names(List<Layer.ParamShape> shapes) {
        return shapes.stream().map(Layer.ParamShape::name).toList();
    }

    @Test
    void aBuiltLayerIsWhatItsKindDeclares() {
        int built = 0;
        for (LayerKind kind : Layers.ALL) {
            // a recurrent layer's row holds at least one step and the length
            for (int width : kind.role() == LayerKind.Role.RECURRENT ? new int[] {2, 5, 17} : new int[] {1, 5, 17}) {
                HyperValues options = defaults(kind);
                List<Layer> body = kind.role() == LayerKind.Role.CONTAINER ? List.of(new Dense(width, width)) : List.of();
                Layer layer = kind.factory().create(width, options, body);
                String where = kind.name() + " at width " + width;
                assertEquals(kind.name(), layer.kind(), where);
                assertEquals(Layers.named(kind.name()), kind, where);
                assertEquals(width, layer.inWidth(), where);
                assertEquals(kind.sizing().outWidth(width, options), layer.outWidth(), where);
                // A container's own tensors; its body's (body.0.weight, ...) belong to the body's kinds.
                List<Layer.ParamShape> own = layer.paramShapes().stream().filter(p -> !p.name().startsWith("body.")).toList();
                assertEquals(kind.parameters(), names(own), where + ": parameters");
                List<long[]> shapes = kind.sizing().parameterShapes(width, options);
                assertEquals(own.size(), shapes.size(), where);
                long count = 0;
                for (int i = 0; i < own.size(); i++) {
                    assertArrayEquals(own.get(i).shape(), shapes.get(i), where + ": shape of " + own.get(i).name());
                    count += own.get(i).length();
                }
                assertEquals(count, kind.parameterCount(width, options), where + ": parameter count");
                List<Layer.ParamShape> ownBuffers = layer.bufferShapes().stream().filter(p -> !p.name().startsWith("body."))
                        .toList();
                assertEquals(kind.buffers(), names(ownBuffers), where + ": buffers");
                built++;
            }
        }
        assertEquals(3 * 16, built, "16 kinds of layer, each at 3 widths");
    }

    @Test
    void theDocsTableListsEveryKindWithItsOptionsTensorsAndLimits() throws IOException {
        String docs = Files.readString(Path.of("docs/specs.md"));
        List<String> rows = new ArrayList<>();
        Matcher anyRow = Pattern.compile("(?m)^\\| `([a-z_]+)` \\| `[^`]+` \\|.*\\|$").matcher(
                docs.substring(docs.indexOf("### Layers"), docs.indexOf("\n## ", docs.indexOf("### Layers"))));
        while (anyRow.find()) {
            rows.add(anyRow.group(1));
        }
        assertEquals(Layers.names(), rows, "the rows of the layer table in docs/specs.md, in order");
        for (LayerKind kind : Layers.ALL) {
            Matcher row = Pattern.compile("(?m)^\\| `" + kind.name() + "` \\| `" + Pattern.quote(kind.matches())
                    + "` \\|([^|]*)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|$").matcher(docs);
            assertTrue(row.find(), "docs/specs.md has no layer row for " + kind.name() + " (" + kind.matches() + ")");
            String options = row.group(1);
            for (HyperParameter p : kind.options()) {
                Matcher named = Pattern.compile("`" + p.name() + "` ([^,]+)").matcher(options);
                assertTrue(named.find(), kind.name() + ": docs/specs.md does not list option " + p.name());
                String doc = named.group(1).strip();
                String expected = p.defaultText();
                String written = p.kind() == HyperParameter.Kind.NUMBER && !p.required()
                        ? HyperParameter.format(Double.parseDouble(doc))
                        : doc;
                assertEquals(expected, written, kind.name() + "." + p.name() + " default in docs/specs.md");
            }
            for (String t : kind.parameters()) {
                assertTrue(row.group(2).contains("`" + t + "`"), kind.name() + ": docs/specs.md does not list parameter " + t);
            }
            for (String b : kind.buffers()) {
                assertTrue(row.group(3).contains("`" + b + "`"), kind.name() + ": docs/specs.md does not list buffer " + b);
            }
            String limits = row.group(4);
            if (kind.role() == LayerKind.Role.CONTAINER) {
                assertTrue(limits.contains("nested up to " + Residual.MAX_DEPTH + " deep"),
                        kind.name() + ": docs/specs.md does not give its nesting limit");
            }
            if (kind.limits().limitsWidth()) {
                assertTrue(limits.contains("inputs up to " + kind.limits().maxInputWidth() + " wide"),
                        kind.name() + ": docs/specs.md does not give its width limit");
            }
            if (kind.limits().minBatch() > 1) {
                assertTrue(limits.contains("`batch_size` >= " + kind.limits().minBatch()),
                        kind.name() + ": docs/specs.md does not give its batch limit");
            }
        }
    }

    @Test
    void kindsAreFoundByTheirSpecNamesOnly() {
        assertNotNull(Layers.named("batch_norm"));
        assertEquals(null, Layers.named("BatchNorm1d"));
        assertEquals(Layers.ALL.size(), Layers.names().size());
    }
}
