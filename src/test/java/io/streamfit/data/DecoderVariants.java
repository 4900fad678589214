package io.streamfit.data;

import io.streamfit.spec.ModelSpec;

/** Decoder variants for {@code RecordDecoderBenchmark} (another package): what a design choice gains. */
public final class DecoderVariants {
    private DecoderVariants() {}

    /** The streaming decoder with the JDK's {@code Double.parseDouble} in place of Jackson's fast parser. */
    public static RecordDecoder jdkDoubles(ModelSpec spec) {
        return new RecordDecoder(spec, false);
    }
}
