package io.streamfit.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.streamfit.data.DecoderVariants;
import io.streamfit.data.Examples;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.data.TreeRecordDecoder;
import io.streamfit.demo.FashionMnist;
import io.streamfit.nn.SplitMix64;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Record decoding, one record per operation, on records shaped like the end-to-end benchmark's:
 * Fashion-MNIST training images (synthetic ones with a similar share of zeros when the dataset is
 * not installed), as Python writes them: {@code json.dumps({"x": [round(p / 255, 4) for p in image],
 * "y": label})}, about 5 KB ({@code json}); 64 such examples per record ({@code json64}, about
 * 330 KB); and the binary format, one example per record ({@code binary}, 3,152 bytes).
 *
 * <ul>
 * <li>{@code decode}: {@code RecordDecoder} ({@code decoder=streaming}) against the tree-based
 * decoder it replaced ({@code decoder=tree}, kept in the tests), same records, same run; and the
 * streaming decoder with the JDK's double parser instead of Jackson's fast one
 * ({@code decoder=jdk-doubles}).
 * <li>{@code tokenize}: Jackson's {@code nextToken()} over the JSON records without converting a
 * number: the ceiling for any decoder built on this parser.
 * <li>{@code scan}: one pass summing the record's bytes: the ceiling memory sets.
 * </ul>
 * Ops/s are records/s; the {@code bytes} and {@code examples} counters are bytes/s and examples/s.
 *
 * <pre>./mvnw -Pbench test-compile exec:exec -Djmh.args="RecordDecoderBenchmark"</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class RecordDecoderBenchmark {
    static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    static final int WIDTH = 784;
    static final int DISTINCT_IMAGES = 2048;
    static final ModelSpec SPEC = SpecParser.parse("""
            id: bench
            topic: bench
            input_width: 784
            task: {type: classification, classes: 10}
            layers: [{type: dense, units: 10}]
            optimizer: {type: sgd, lr: 0.1}
            batch_size: 64
            """);

    /** The records of one format, cycled through so no single record sits in cache. */
    public abstract static class Records {
        byte[][] records;
        int examplesPerRecord;
        int next;

        void build(String format) {
            int[][] images = new int[DISTINCT_IMAGES][];
            int[] labels = new int[DISTINCT_IMAGES];
            images(images, labels);
            examplesPerRecord = format.equals("json64") ? 64 : 1;
            records = new byte[DISTINCT_IMAGES / examplesPerRecord][];
            for (int r = 0; r < records.length; r++) {
                int first = r * examplesPerRecord;
                records[r] = switch (format) {
                    case "json" -> jsonRecord(images[first], labels[first]);
                    case "json64" -> jsonBatch(images, labels, first, 64);
                    case "binary" -> binaryRecord(images[first], labels[first]);
                    default -> throw new IllegalArgumentException(format);
                };
            }
        }

        byte[] nextRecord(Counters c) {
            byte[] r = records[next];
            next = next + 1 == records.length ? 0 : next + 1;
            c.bytes += r.length;
            c.records++;
            c.examples += examplesPerRecord;
            return r;
        }
    }

    @State(Scope.Thread)
    public static class AnyFormat extends Records {
        @Param({"json", "json64", "binary"})
        public String format;

        @Setup(Level.Trial)
        public void setUp() {
            build(format);
        }
    }

    @State(Scope.Thread)
    public static class JsonFormat extends Records {
        @Param({"json", "json64"})
        public String text;

        @Setup(Level.Trial)
        public void setUp() {
            build(text);
        }
    }

    @State(Scope.Thread)
    public static class Decoders {
        @Param({"streaming", "jdk-doubles", "tree"})
        public String decoder;

        interface Decoder {
            Examples decode(byte[] value) throws RejectedRecordException;
        }

        Decoder d;

        @Setup(Level.Trial)
        public void setUp() {
            d = switch (decoder) {
                case "streaming" -> new RecordDecoder(SPEC)::decode;
                case "jdk-doubles" -> DecoderVariants.jdkDoubles(SPEC)::decode;
                case "tree" -> new TreeRecordDecoder(SPEC)::decode;
                default -> throw new IllegalArgumentException(decoder);
            };
        }
    }

    /**
     * Bytes and examples decoded, reported by JMH as rates next to records/s. On a shared machine
     * wall-clock rates swing with the load, so each iteration also prints its rates per second of
     * this thread's CPU time ({@code cpu: ... MB/s ...}), steadier for old-versus-new ratios.
     */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        public long bytes;
        public long examples;
        private long records;
        private long cpuStart;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
            examples = 0;
            records = 0;
            cpuStart = THREADS.getCurrentThreadCpuTime();
        }

        @TearDown(Level.Iteration)
        public void report() {
            double cpu = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            System.out.printf(Locale.ROOT, "cpu: %.1f MB/s %.0f records/s %.0f examples/s%n",
                    bytes / cpu / 1e6, records / cpu, examples / cpu);
        }
    }

    static final JsonFactory TOKENS = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    @Benchmark
    public Examples decode(AnyFormat records, Decoders decoders, Counters c) throws RejectedRecordException {
        return decoders.d.decode(records.nextRecord(c));
    }

    @Benchmark
    public int tokenize(JsonFormat records, Counters c) throws IOException {
        int tokens = 0;
        try (JsonParser p = TOKENS.createParser(records.nextRecord(c))) {
            while (p.nextToken() != null) {
                tokens++;
            }
        }
        return tokens;
    }

    @Benchmark
    public int scan(AnyFormat records, Counters c) {
        int sum = 0;
        for (byte b : records.nextRecord(c)) {
            sum += b;
        }
        return sum;
    }

    // ---------------------------------------------------------------- the records

    /** Fashion-MNIST's first training images as bytes 0..255, or synthetic ones with about half zeros. */
    static void images(int[][] images, int[] labels) {
        if (FashionMnist.present(FASHION_MNIST)) {
            try {
                FashionMnist.Split train = FashionMnist.train(FASHION_MNIST);
                for (int i = 0; i < images.length; i++) {
                    images[i] = new int[WIDTH];
                    for (int j = 0; j < WIDTH; j++) {
                        images[i][j] = Math.round(train.x()[i * WIDTH + j] * 255f);
                    }
                    labels[i] = train.labels()[i];
                }
                return;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        SplitMix64 rng = new SplitMix64(7);
        for (int i = 0; i < images.length; i++) {
            images[i] = new int[WIDTH];
            for (int j = 0; j < WIDTH; j++) {
                images[i][j] = rng.nextDouble() < 0.5 ? 0 : 1 + (int) (rng.nextDouble() * 255);
            }
            labels[i] = (int) Math.floorMod(rng.nextLong(), 10L);
        }
    }

    /** Python's {@code json.dumps(round(p / 255, 4))}: the double nearest p/255, rounded to 4 decimals, shortest form. */
    static String python4(int p) {
        String s = new BigDecimal(p / 255.0).setScale(4, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
        return s.contains(".") ? s : s + ".0";
    }

    static void row(StringBuilder b, int[] image) {
        b.append('[');
        for (int j = 0; j < image.length; j++) {
            b.append(j == 0 ? "" : ", ").append(python4(image[j]));
        }
        b.append(']');
    }

    static byte[] jsonRecord(int[] image, int label) {
        StringBuilder b = new StringBuilder("{\"x\": ");
        row(b, image);
        return b.append(", \"y\": ").append(label).append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] jsonBatch(int[][] images, int[] labels, int first, int n) {
        StringBuilder b = new StringBuilder("{\"x\": [");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ");
            row(b, images[first + i]);
        }
        b.append("], \"y\": [");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ").append(labels[first + i]);
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] binaryRecord(int[] image, int label) {
        float[] x = new float[WIDTH];
        for (int j = 0; j < WIDTH; j++) {
            x[j] = image[j] / 255f;
        }
        return RecordDecoder.encodeBinary(1, WIDTH, x, new int[] {label}, null, 1);
    }

    /** Writes the records of a format, one per line: they are byte for byte what {@code bench/python_json_decode.py} makes with {@code json.dumps} (checked). */
    public static void main(String[] args) throws IOException {
        Records r = new Records() {};
        r.build(args[0]);
        try (var out = Files.newOutputStream(Path.of(args[1]))) {
            for (byte[] record : r.records) {
                out.write(record);
                out.write('\n');
            }
        }
    }
}
