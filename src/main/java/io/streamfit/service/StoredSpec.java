package io.streamfit.service;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.nio.charset.StandardCharsets;

/**
 * The form a spec created over HTTP is stored in (its canonical JSON, in one record of the models
 * topic or in a spec file), and its bound: {@value #MAX_BYTES} bytes, so that it fits one record
 * under Kafka's default 1 MiB message and request limits (with room for the key and the record's
 * framing) and is never refused when read back ({@link SpecParser#MAX_SPEC_BYTES}).
 */
public final class StoredSpec {
    /** Largest stored spec: {@link SpecParser#MAX_SPEC_BYTES} less 1 KiB for the key and record framing. */
    public static final int MAX_BYTES = SpecParser.MAX_SPEC_BYTES - 1024;

    private StoredSpec() {}

    /**
     * The stored form of {@code spec}.
     *
     * @throws SpecTooLargeException if it is larger than {@link #MAX_BYTES}
     */
    public static byte[] bytes(ModelSpec spec) {
        byte[] json = SpecParser.toJson(spec).getBytes(StandardCharsets.UTF_8);
        if (json.length > MAX_BYTES) {
            throw new SpecTooLargeException("the spec is stored as " + json.length + " bytes of JSON, more than the "
                    + MAX_BYTES + " one stored spec may take: use fewer or shorter entries");
        }
        return json;
    }
}
