package io.streamfit.api;

import io.streamfit.spec.SpecParser;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Bounds on request bodies, enforced before a byte of them is parsed: spec bodies
 * ({@code POST /models}, {@code POST /models/validate}) at {@link #MAX_SPEC_BYTES}, every other
 * body at {@link #MAX_PREDICT_BYTES}, which fits {@link PredictRequest#MAX_VALUES} values (16
 * bytes of JSON per value, e.g. {@code -1.2345678e-05,}).
 *
 * <p>Guarantee: a body that declares a larger {@code Content-Length} is answered 413 with a
 * problem body as soon as its headers arrive, without reading it, and the connection is closed;
 * a body without a length (chunked) is read only up to its bound plus one byte, then refused the
 * same way. No body is held in memory beyond its bound. {@code quarkus.http.limits.max-body-size}
 * (application.properties) is set just above {@link #MAX_PREDICT_BYTES}, so Quarkus' own
 * (empty-bodied) 413 never answers first.
 */
@ApplicationScoped
public class RequestBodies {
    /** Largest spec body, in bytes: the parser's own bound. */
    public static final long MAX_SPEC_BYTES = SpecParser.MAX_SPEC_BYTES;
    /** Largest body of any other request (predict), in bytes: 16 MiB. */
    public static final long MAX_PREDICT_BYTES = 16L << 20;

    /** A body that could not be read to its end (the client or a shutdown closed the connection): answered 400. */
    static final class Unreadable extends UncheckedIOException {
        Unreadable(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** A body over its bound: answered 413. */
    static final class TooLarge extends RuntimeException {
        TooLarge(String message) {
            super(message, null, false, false);
        }
    }

    /** The bound on the body of {@code method path}. */
    static long limitFor(String method, String path) {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if ("POST".equals(method) && p.startsWith("/models/") && p.endsWith("/landscape")) {
            return LandscapeRequests.MAX_BYTES; // a few numbers
        }
        return "POST".equals(method) && (p.equals("/models") || p.equals("/models/validate")) ? MAX_SPEC_BYTES
                : MAX_PREDICT_BYTES;
    }

    static String tooLarge(String what, String size, long limit) {
        return what + " is " + size + ", more than the " + limit + " bytes accepted";
    }

    /**
     * The body as UTF-8 text, read up to {@code limit} bytes.
     *
     * @throws TooLarge as soon as more than {@code limit} bytes arrived
     */
    static String read(InputStream in, long limit, String what) throws IOException {
        return new String(readBytes(in, limit, what), StandardCharsets.UTF_8);
    }

    /**
     * A body the HTTP layer already buffered, refused if it is longer than {@code limit} (in
     * characters, each at least one byte); null reads as empty.
     *
     * @throws TooLarge if it is longer
     */
    static String bounded(String body, long limit, String what) {
        if (body == null) {
            return "";
        }
        if (body.length() > limit) {
            throw new TooLarge(tooLarge(what, body.length() + " characters", limit));
        }
        return body;
    }

    /**
     * The body's bytes, read up to {@code limit}.
     *
     * @throws TooLarge as soon as more than {@code limit} bytes arrived
     */
    static byte[] readBytes(InputStream in, long limit, String what) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[16 * 1024];
        try {
            for (int n; (n = in.read(buf)) >= 0;) {
                if (out.size() + (long) n > limit) {
                    throw new TooLarge(tooLarge(what, "larger than that", limit));
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new Unreadable(e);
        }
        return out.toByteArray();
    }

    /** Installs the Content-Length check ahead of Quarkus' own body limit (route order -2). */
    void install(@Observes Router router) {
        router.route().order(-3).handler(this::refuseByLength);
    }

    private void refuseByLength(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && ctx.request().method() != HttpMethod.GET) {
            long limit = limitFor(ctx.request().method().name(), ctx.normalizedPath());
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > limit || declared < 0) {
                String what = limit == MAX_SPEC_BYTES ? "the spec" : "the request body";
                RouteProblems.send(ctx, declared < 0 ? 400 : 413,
                        List.of(declared < 0 ? "Content-Length must be a number of bytes, got "
                                + Problem.excerpt(length) : tooLarge(what, declared + " bytes", limit)),
                        true);
                return;
            }
        }
        ctx.next();
    }
}
