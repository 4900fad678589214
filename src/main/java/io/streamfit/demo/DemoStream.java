package io.streamfit.demo;

import io.streamfit.config.StreamfitConfig;
import io.streamfit.data.RecordDecoder;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.stream.KafkaClients;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * The demo: a producer thread writing a labelled stream into a topic, and the spec of a model
 * that learns it. Fashion-MNIST (in file order, epoch after epoch) when Debian's
 * {@code dataset-fashion-mnist} is installed, else {@link SyntheticProblem}. Records are binary
 * mini-batches of 16 examples, written at a configured rate.
 */
public final class DemoStream implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DemoStream.class);
    private static final int RECORD_EXAMPLES = 16;

    private final ModelSpec spec;
    /** Asked only by {@link #start}: the data loads while the broker starts. */
    private final Supplier<KafkaClients> clients;
    private final int examplesPerSecond;
    private final Source source;
    private long retentionBytes = Long.MAX_VALUE;
    private Duration retention = Duration.ofHours(1);
    private volatile boolean running = true;
    private Thread thread;

    /** Produces the next {@code count} examples. */
    private interface Source {
        void next(int count, float[] x, int[] y);
    }

    private DemoStream(ModelSpec spec, Supplier<KafkaClients> clients, int examplesPerSecond, Source source) {
        this.spec = spec;
        this.clients = clients;
        this.examplesPerSecond = examplesPerSecond;
        this.source = source;
    }

    public static DemoStream create(StreamfitConfig.Demo cfg, KafkaClients clients) throws IOException {
        return create(cfg, () -> clients);
    }

    /**
     * Loads the demo's data; {@code clients} is first asked for in {@link #start}, so that a
     * broker starting meanwhile (the embedded one) need not be up yet.
     */
    public static DemoStream create(StreamfitConfig.Demo cfg, Supplier<KafkaClients> clients) throws IOException {
        DemoStream demo = stream(cfg, clients);
        demo.retentionBytes = cfg.retentionBytes();
        demo.retention = cfg.retention();
        return demo;
    }

    private static DemoStream stream(StreamfitConfig.Demo cfg, Supplier<KafkaClients> clients) throws IOException {
        Path dir = Path.of(cfg.fashionMnistDir());
        boolean fashion = switch (cfg.dataset()) {
            case "fashion-mnist" -> true;
            case "synthetic" -> false;
            default -> FashionMnist.present(dir);
        };
        if (fashion) {
            FashionMnist.Raw train = FashionMnist.trainRaw(dir);
            LOG.infof("demo: streaming Fashion-MNIST (%d training images from %s) at %d examples/s", train.count(), dir,
                    cfg.examplesPerSecond());
            int[] cursor = {0};
            return new DemoStream(spec("demo/fashion-mnist.yaml"), clients, cfg.examplesPerSecond(), (count, x, y) -> {
                for (int i = 0; i < count; i++) {
                    int k = cursor[0];
                    train.image(k, x, i * FashionMnist.WIDTH);
                    y[i] = train.label(k);
                    cursor[0] = (k + 1) % train.count();
                }
            });
        }
        ModelSpec s = spec("demo/synthetic.yaml");
        // Overlapping classes (centre spread 0.5 against unit noise), so learning takes visible time.
        SyntheticProblem p = new SyntheticProblem(s.inputWidth(), s.task().width(), 7, cfg.driftEvery(), 0.5);
        LOG.infof("demo: Fashion-MNIST not found in %s; streaming a synthetic %d-class problem%s at %d examples/s",
                dir, p.classes(), cfg.driftEvery() > 0 ? " drifting every " + cfg.driftEvery() + " examples" : "",
                cfg.examplesPerSecond());
        return new DemoStream(s, clients, cfg.examplesPerSecond(), p::next);
    }

    static ModelSpec spec(String resource) throws IOException {
        try (InputStream in = DemoStream.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing resource " + resource);
            }
            return SpecParser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    public void start() throws InterruptedException {
        DemoTopic.ensure(clients.get(), spec.topic(), retentionBytes, retention);
        thread = new Thread(this::produce, "demo-producer");
        thread.setDaemon(true);
        thread.start();
    }

    private void produce() {
        int width = spec.inputWidth();
        float[] x = new float[RECORD_EXAMPLES * width];
        int[] y = new int[RECORD_EXAMPLES];
        long sent = 0;
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = clients.get().plainProducer()) {
            while (running) {
                source.next(RECORD_EXAMPLES, x, y);
                producer.send(
                        new ProducerRecord<>(spec.topic(), RecordDecoder.encodeBinary(RECORD_EXAMPLES, width, x, y, null, 1)));
                sent += RECORD_EXAMPLES;
                long due = t0 + (long) (sent * 1e9 / examplesPerSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("demo producer stopped", e);
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
