package io.streamfit.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Turns spec text into a JSON tree, as cheaply as hostile text allows. Guarantees, in order:
 * <ol>
 *   <li>text over {@link SpecParser#MAX_SPEC_BYTES} bytes of UTF-8 is refused before any parsing,
 *       without encoding the text (and without counting at all when it has more characters
 *       than the limit has bytes);</li>
 *   <li>text whose first non-blank character is <code>{</code> is read by a JSON parser (and, only
 *       if that fails on syntax, as a YAML flow mapping), anything else by the YAML parser; YAML lines longer than {@link SpecParser#MAX_STRING_CHARS} are
 *       refused before parsing (SnakeYAML's scanner is quadratic in the length of one token);</li>
 *   <li>nesting deeper than {@link SpecParser#MAX_NESTING}, strings and keys longer than
 *       {@link SpecParser#MAX_STRING_CHARS}, numbers longer than {@link SpecParser#MAX_NUMBER_CHARS},
 *       keys given twice in one object, and YAML aliases (which Jackson would silently read as the
 *       anchor's name) are refused.</li>
 * </ol>
 * Every refusal is one {@link SpecException} whose message speaks of the spec, never of a
 * library class.
 */
final class SpecText {
    static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(SpecParser.MAX_NESTING)
            .maxStringLength(SpecParser.MAX_STRING_CHARS)
            .maxNameLength(SpecParser.MAX_STRING_CHARS)
            .maxNumberLength(SpecParser.MAX_NUMBER_CHARS)
            .maxDocumentLength(SpecParser.MAX_SPEC_BYTES)
            .build();
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(LIMITS).enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final YAMLFactory YAML_FACTORY = YAMLFactory.builder()
            .loaderOptions(loaderOptions())
            .streamReadConstraints(LIMITS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final ObjectMapper YAML = YAMLMapper.builder(YAML_FACTORY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private SpecText() {}

    private static LoaderOptions loaderOptions() {
        LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit(SpecParser.MAX_SPEC_BYTES);
        o.setNestingDepthLimit(SpecParser.MAX_NESTING);
        o.setMaxAliasesForCollections(0);
        o.setAllowDuplicateKeys(false);
        o.setAllowRecursiveKeys(false);
        return o;
    }

    /** The tree of {@code text} (null for empty text), or a {@link SpecException} saying what is wrong with it. */
    static JsonNode read(String text) {
        if (text.length() > SpecParser.MAX_SPEC_BYTES) { // every character takes at least one byte: no need to count
            throw refused("spec is " + text.length() + " characters (at least as many bytes of UTF-8), more than the limit of "
                    + SpecParser.MAX_SPEC_BYTES + " bytes (1 MiB)");
        }
        long bytes = utf8Length(text);
        if (bytes > SpecParser.MAX_SPEC_BYTES) {
            throw refused("spec is " + bytes + " bytes of UTF-8, more than the limit of " + SpecParser.MAX_SPEC_BYTES
                    + " bytes (1 MiB)");
        }
        boolean json = firstNonBlank(text) == '{';
        JsonNode root;
        if (json) {
            try {
                root = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                root = yamlFlowInstead(text, e);
            }
        } else {
            checkLineLengths(text);
            try {
                root = readYaml(text);
            } catch (JsonProcessingException e) {
                throw refused(e, "YAML/JSON");
            }
        }
        checkStrings(root);
        return root;
    }

    /**
     * Text that starts with <code>{</code> but is not JSON may still be a YAML flow mapping
     * (<code>{id: a, topic: b, ...}</code>): read it as YAML, within YAML's own bounds, when the
     * JSON parser failed on syntax alone; otherwise, or if YAML fails too, the JSON error stands,
     * since JSON is what such text most likely meant.
     */
    private static JsonNode yamlFlowInstead(String text, JsonProcessingException jsonError) {
        if (JsonReadErrors.duplicateKey(jsonError) != null || JsonReadErrors.limit(jsonError, LIMITS) != null) {
            throw refused(jsonError, "JSON");
        }
        checkLineLengths(text);
        try {
            return readYaml(text);
        } catch (JsonProcessingException | SpecException yamlError) {
            throw refused(jsonError, "JSON");
        }
    }

    private static SpecException refused(JsonProcessingException e, String format) {
        String key = JsonReadErrors.duplicateKey(e);
        String limit = JsonReadErrors.limit(e, LIMITS);
        return refused(key != null ? key + " is given twice: each key may appear once"
                : limit != null ? "spec " + limit
                        : "spec is not valid " + format + ": " + JsonReadErrors.message(e));
    }

    private static JsonNode readYaml(String text) throws JsonProcessingException {
        try (JsonParser p = new AliasRefusingParser((YAMLParser) YAML_FACTORY.createParser(text))) {
            return YAML.readTree(p);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading a string cannot fail with I/O", e);
        }
    }

    /**
     * Refuses YAML aliases: Jackson does not resolve them and would read {@code lr: *rate} as the
     * string "rate". Checked after every token the tree reader asks for.
     */
    private static final class AliasRefusingParser extends JsonParserDelegate {
        private final YAMLParser yaml;

        AliasRefusingParser(YAMLParser yaml) {
            super(yaml);
            this.yaml = yaml;
        }

        private void refuseAlias() throws IOException {
            if (yaml.isCurrentAlias()) {
                String path = JsonReadErrors.path(yaml.getParsingContext());
                throw refused(
                        (path.isEmpty() ? "spec" : path) + " uses the YAML alias *" + JsonReadErrors.excerpt(yaml.getText(), 40)
                                + ": aliases are not supported, write the value out");
            }
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken t = delegate.nextToken();
            refuseAlias();
            return t;
        }

        @Override
        public JsonToken nextValue() throws IOException {
            JsonToken t = delegate.nextValue();
            refuseAlias();
            return t;
        }

        @Override
        public String nextFieldName() throws IOException {
            String n = delegate.nextFieldName();
            refuseAlias();
            return n;
        }

        @Override
        public boolean nextFieldName(SerializableString s) throws IOException {
            boolean b = delegate.nextFieldName(s);
            refuseAlias();
            return b;
        }
    }

    /** UTF-8 length of {@code s}, counted without encoding it. */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static char firstNonBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isWhitespace(c) && c != '\uFEFF') {
                return c;
            }
        }
        return 0;
    }

    /** One YAML token cannot be longer than its line: bounding lines bounds the scanner's quadratic work. */
    private static void checkLineLengths(String s) {
        int line = 1;
        int start = 0;
        for (int i = 0, len = s.length(); i <= len; i++) {
            char c = i == len ? '\n' : s.charAt(i);
            if (c == '\r' && i + 1 < len && s.charAt(i + 1) == '\n') {
                continue; // CRLF ends the line at its '\n'
            }
            if (c == '\n' || c == '\r') {
                if (i - start > SpecParser.MAX_STRING_CHARS) {
                    throw refused("spec line " + line + " is " + (i - start) + " characters long, more than the limit of "
                            + SpecParser.MAX_STRING_CHARS + " for a line of YAML (send a long spec as JSON)");
                }
                line++;
                start = i + 1;
            }
        }
    }

    /** Strings and keys over the bound (the YAML parser does not apply Jackson's string limit). */
    private static void checkStrings(JsonNode n) {
        if (n == null) {
            return;
        }
        if (n.isTextual() && n.textValue().length() > SpecParser.MAX_STRING_CHARS) {
            throw refused("spec holds a string longer than " + SpecParser.MAX_STRING_CHARS + " characters");
        }
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().length() > SpecParser.MAX_STRING_CHARS) {
                    throw refused("spec holds a field name longer than " + SpecParser.MAX_STRING_CHARS + " characters");
                }
                checkStrings(f.getValue());
            }
        } else if (n.isArray()) {
            for (JsonNode e : n) {
                checkStrings(e);
            }
        }
    }

    private static SpecException refused(String message) {
        return new SpecException(List.of(message));
    }
}
