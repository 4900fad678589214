package io.streamfit.api;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one shape of every error body: RFC 9457 problem details ({@code Content-Type:
 * application/problem+json}) with the members {@code type} ({@code about:blank}: the status says
 * what kind of problem it is), {@code title} (the status' reason phrase), {@code status},
 * {@code detail} (the errors, joined), {@code instance} (the request path, filled in by
 * {@link ProblemInstance}) and the extension member {@code errors}, the list of field errors
 * that clients of earlier versions read.
 *
 * <p>Guarantee: no message carries more than {@link #MAX_MESSAGE_CHARS} characters, no quoted
 * input is echoed beyond an {@link #excerpt} of {@link #EXCERPT_CHARS} characters (whoever wrote
 * the message), and the names of
 * library classes (a Java exception's {@code toString()}, Jackson's read constraints, Kafka
 * client settings) are removed from messages.
 */
public final class Problem {
    public static final String MEDIA_TYPE = "application/problem+json";
    public static final MediaType TYPE = MediaType.valueOf(MEDIA_TYPE);
    /** Characters of client input an error may quote. */
    static final int EXCERPT_CHARS = 64;
    /** Bound on one error message, whatever produced it. */
    static final int MAX_MESSAGE_CHARS = 1_000;
    /** Bound on the number of field errors one answer lists. */
    static final int MAX_ERRORS = 50;
    /** {@code java.io.IOException: }, {@code org.apache.kafka...RecordTooLargeException: } and the like. */
    private static final Pattern CLASS_PREFIX = Pattern.compile(
            "\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error|Throwable)(?::\\s*|\\b)");
    /** Jackson's ", from `StreamReadConstraints.getMaxStringLength()`" and similar hints. */
    private static final Pattern CONSTRAINT_HINT = Pattern.compile(",\\s*from `[^`]*`|\\s*\\(from `[^`]*`\\)");

    /** A quote that is an excerpt already, with the input's full length (cutting it again would lose that length). */
    private static final Pattern EXCERPTED = Pattern.compile("(…|\\.\\.\\.) \\(\\d+ characters\\)$");
    /** A quoted run of input longer than an excerpt, as in {@code got "aaaa..."}. */
    private static final Pattern LONG_QUOTE = Pattern.compile(
            "\"([^\"]{" + (EXCERPT_CHARS + 2) + ",}|[^\"]{" + EXCERPT_CHARS + "}[^\"…])\""); // not an excerpt already

    private Problem() {}

    /** A problem response: {@code status} with the field errors {@code errors}. */
    public static Response response(Response.StatusType status, List<String> errors) {
        return Response.status(status.getStatusCode()).type(TYPE)
                .entity(body(status.getStatusCode(), status.getReasonPhrase(), errors))
                .build();
    }

    /** The problem body (without {@code instance}, which {@link ProblemInstance} adds). */
    static Map<String, Object> body(int status, String title, List<String> errors) {
        List<String> clean = new ArrayList<>();
        for (String e : errors) {
            if (clean.size() == MAX_ERRORS) {
                clean.add("... and " + (errors.size() - MAX_ERRORS) + " more errors");
                break;
            }
            clean.add(clean(e));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "about:blank");
        m.put("title", title == null ? "HTTP " + status : title);
        m.put("status", status);
        m.put("detail", clean.isEmpty() ? m.get("title") : excerptOf(String.join("; ", clean), MAX_MESSAGE_CHARS));
        m.put("errors", clean);
        return m;
    }

    /** A message without library class names, at most {@link #MAX_MESSAGE_CHARS} characters. */
    static String clean(String message) {
        if (message == null || message.isBlank()) {
            return "no details";
        }
        String m = LONG_QUOTE.matcher(message).replaceAll(q -> Matcher.quoteReplacement(
                EXCERPTED.matcher(q.group(1)).find() ? q.group() : excerpt(q.group(1))));
        m = CONSTRAINT_HINT.matcher(m).replaceAll("");
        m = CLASS_PREFIX.matcher(m).replaceAll("");
        return excerptOf(m.isBlank() ? "no details" : m, MAX_MESSAGE_CHARS);
    }

    /**
     * At most {@link #EXCERPT_CHARS} characters of client input, quoted; longer input ends in an
     * ellipsis and its full length, e.g. {@code "aaaa…" (1048576 characters)}.
     */
    public static String excerpt(String input) {
        if (input == null) {
            return "null";
        }
        return "\"" + excerptOf(input, EXCERPT_CHARS) + "\""
                + (input.length() > EXCERPT_CHARS ? " (" + input.length() + " characters)" : "");
    }

    private static String excerptOf(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max; // never split a character
        return s.substring(0, end) + "…";
    }
}
