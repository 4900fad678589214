package io.streamfit.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.streamfit.data.RejectedRecordException.Reason;
import io.streamfit.spec.JsonReadErrors;
import java.io.IOException;

/**
 * What the JSON record decoders share: the parser's settings, one streaming pass over the root
 * object, skipping values, and read errors in words. A syntax error, a duplicate key, a parser
 * limit or trailing content is a {@code decode_error}; the caller's field readers note their own
 * problems and report them after the pass, so that such errors win wherever they are.
 */
final class JsonRecords {
    static final JsonMapper JSON = mapper(true);
    /** The JDK's double parser instead of Jackson's fast one: only to measure what the fast one gains. */
    static final JsonMapper JSON_JDK_DOUBLES = mapper(false);

    private JsonRecords() {}

    private static JsonMapper mapper(boolean fastDoubles) {
        return JsonMapper.builder()
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // {"y":1,"y":0} is refused, not "last one wins"
                .configure(StreamReadFeature.USE_FAST_DOUBLE_PARSER, fastDoubles)
                .build();
    }

    /** Reads the value of one root key, from its first token {@code t}. */
    interface Fields {
        void read(String name, JsonParser p, JsonToken t) throws IOException;
    }

    /** One pass over a record whose first non-blank byte is {@code '{'}, each key's value handed to {@code fields}. */
    static void readObject(JsonMapper json, byte[] value, Fields fields) throws RejectedRecordException {
        try (JsonParser p = json.createParser(value)) {
            p.nextToken(); // the root's '{' (the caller saw it)
            String name;
            while ((name = p.nextFieldName()) != null) {
                fields.read(name, p, p.nextToken());
            }
            if (p.nextToken() != null) {
                throw new RejectedRecordException(Reason.DECODE_ERROR, "trailing content after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new RejectedRecordException(Reason.DECODE_ERROR, jsonError(e));
        } catch (IOException e) {
            throw new RejectedRecordException(Reason.DECODE_ERROR,
                    "invalid JSON: " + JsonReadErrors.excerpt(String.valueOf(e.getMessage()), 160));
        }
    }

    /**
     * Skips the value starting at {@code t}, without recursion. Strings are decoded, not just
     * skipped, so that invalid UTF-8 is found wherever a tree read would find it.
     */
    static void skip(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            p.getTextLength();
            return;
        }
        if (t != JsonToken.START_ARRAY && t != JsonToken.START_OBJECT) {
            return;
        }
        for (int depth = 1; depth > 0;) {
            JsonToken n = p.nextToken();
            if (n == JsonToken.START_ARRAY || n == JsonToken.START_OBJECT) {
                depth++;
            } else if (n == JsonToken.END_ARRAY || n == JsonToken.END_OBJECT) {
                depth--;
            } else if (n == JsonToken.VALUE_STRING) {
                p.getTextLength();
            } else if (n == null) {
                return; // unreachable: the parser reports an unclosed value at the end of input
            }
        }
    }

    /** A read error in words: a repeated key by name, a parser limit without the library's terms. */
    static String jsonError(JsonProcessingException e) {
        String key = JsonReadErrors.duplicateKey(e);
        if (key != null) {
            return "key \"" + key + "\" is given twice: each key may appear once";
        }
        String limit = JsonReadErrors.limit(e, JSON.getFactory().streamReadConstraints());
        return limit != null ? "record " + limit : "invalid JSON: " + JsonReadErrors.message(e);
    }
}
