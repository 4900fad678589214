package io.streamfit.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Jackson's read errors in the project's words, for specs and records alike. Guarantee: what
 * these methods return names the key or the limit and never a library class or setting
 * ({@code StreamReadConstraints} and the like), and quotes the input only as a short excerpt.
 */
public final class JsonReadErrors {
    private static final int EXCERPT = 40;

    private JsonReadErrors() {}

    /**
     * The path of a key given twice in one object ({@code layers[0].units}) when {@code e} is a
     * duplicate-key error of a parser with {@code STRICT_DUPLICATE_DETECTION}, else null.
     */
    public static String duplicateKey(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (!(e instanceof StreamReadException r) || r.getProcessor() == null || m == null
                || !m.startsWith("Duplicate field '")) {
            return null;
        }
        return path(r.getProcessor().getParsingContext());
    }

    /** A violated read limit in words ({@code nests deeper than 64 levels}), or null if {@code e} is not one. */
    public static String limit(JsonProcessingException e, StreamReadConstraints limits) {
        if (!(e instanceof StreamConstraintsException)) {
            return null;
        }
        String m = String.valueOf(e.getOriginalMessage());
        if (m.startsWith("Document nesting depth")) {
            return "nests deeper than " + limits.getMaxNestingDepth() + " levels";
        }
        if (m.startsWith("String value length")) {
            return "holds a string longer than " + limits.getMaxStringLength() + " characters";
        }
        if (m.startsWith("Number value length")) {
            return "holds a number longer than " + limits.getMaxNumberLength() + " characters";
        }
        if (m.startsWith("Name length")) {
            return "holds a field name longer than " + limits.getMaxNameLength() + " characters";
        }
        return "is larger than the parser accepts";
    }

    /** SnakeYAML's event objects as the YAML parser prints them: {@code <org.yaml.snakeyaml.events.MappingStartEvent(...)>}. */
    private static final Pattern YAML_EVENT = Pattern.compile("<?org\\.yaml\\.snakeyaml\\.events\\.(\\w+?)Event(\\([^)]*\\))?>?");

    /** A parse error's own message, first line only, library class names put in words, cut to a short excerpt. */
    public static String message(JsonProcessingException e) {
        String m = String.valueOf(e.getOriginalMessage()).split("\n")[0];
        m = YAML_EVENT.matcher(m)
                .replaceAll(r -> "\"" + r.group(1).replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT) + "\"");
        return excerpt(m, 160) + (e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
    }

    /** {@code path.to[3].key} of the parser's current position. */
    public static String path(JsonStreamContext context) {
        Deque<JsonStreamContext> chain = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            chain.addFirst(c);
        }
        StringBuilder b = new StringBuilder();
        for (JsonStreamContext c : chain) {
            if (c.inArray()) {
                b.append('[').append(Math.max(c.getCurrentIndex(), 0)).append(']');
            } else {
                b.append(b.isEmpty() ? "" : ".").append(excerpt(String.valueOf(c.getCurrentName()), EXCERPT));
            }
        }
        return b.toString();
    }

    /** {@code s} itself when short, else its first characters and its length. */
    public static String excerpt(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "... (" + s.length() + " characters)";
    }
}
