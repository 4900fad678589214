package io.streamfit.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.hyper.HyperParameter;
import io.streamfit.hyper.HyperValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Each {@link ScheduleKind} builds the schedule it names from its declared defaults, and the docs'
 * schedule table lists every parameter with its default (or says it is required).
 */
class ScheduleKindsTest {
    /** Defaults, with values for the required ones (2000 steps, a rate of 0.01, milestones [10, 20]). */
    private static HyperValues defaults(ScheduleKind kind, double lr) {
        Map<String, Object> v = new HashMap<>();
        for (HyperParameter p : kind.params()) {
            Object value = p.defaultFrom() != null ? (p.defaultFrom().equals("lr") ? (Object) lr : v.get(p.defaultFrom()))
                    : p.defaultValue();
            if (value == null) {
                value = switch (p.kind()) {
                    case COUNT -> 2000L;
                    case COUNTS -> new long[] {10, 20};
                    default -> 0.01;
                };
            }
            v.put(p.name(), value);
        }
        return HyperValues.of(v);
    }

    @Test
    void everyKindBuildsItsScheduleFromItsDefaults() {
        for (ScheduleKind kind : Schedules.ALL) {
            HyperValues h = defaults(kind, 0.005);
            assertTrue(kind.rules().stream().allMatch(r -> r.holds().test(h)), kind.name() + ": defaults break a rule");
            LrSchedule s = kind.factory().create(0.005, h);
            assertEquals(kind.name(), s.type());
            assertTrue(Double.isFinite(s.lr(0)) && s.lr(0) > 0, kind.name() + " lr(0) = " + s.lr(0));
        }
    }

    @Test
    void theDocsTableListsEveryParameterWithItsDefault() throws IOException {
        String docs = Files.readString(Path.of("docs/specs.md"));
        for (ScheduleKind kind : Schedules.ALL) {
            Matcher row = Pattern.compile("(?m)^\\| `" + kind.name() + "` \\|([^|]*)\\|([^|]*)\\|$").matcher(docs);
            assertTrue(row.find(), "docs/specs.md has no schedule row for " + kind.name());
            assertTrue(row.group(1).contains(kind.matches().replace("TensorFlow ", "")) || kind.matches().equals("no scheduler"),
                    kind.name() + ": the row does not say it matches " + kind.matches());
            String params = row.group(2);
            for (HyperParameter p : kind.params()) {
                Matcher named = Pattern.compile("`" + p.name() + "`([^`|]*)").matcher(params);
                assertTrue(named.find(), kind.name() + ": docs/specs.md does not list " + p.name());
                String after = named.group(1).strip();
                if (p.required()) {
                    assertTrue(after.startsWith("(required") || after.startsWith(",") && params.contains("(required"),
                            kind.name() + "." + p.name() + " is required but docs/specs.md says " + after);
                } else if (p.defaultFrom() == null
                        && (p.kind() == HyperParameter.Kind.NUMBER || p.kind() == HyperParameter.Kind.COUNT)) {
                    String doc = after.split("[ ,(]")[0];
                    assertEquals(p.defaultText(), HyperParameter.format(Double.parseDouble(doc)),
                            kind.name() + "." + p.name() + " default in docs/specs.md");
                } else if (p.defaultFrom() == null) {
                    assertTrue(after.startsWith(p.defaultText()), kind.name() + "." + p.name() + ": docs/specs.md says " + after);
                } else {
                    assertTrue(after.startsWith("="), kind.name() + "." + p.name() + " defaults to " + p.defaultFrom());
                }
            }
        }
    }
}
