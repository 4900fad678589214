package io.streamfit.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Service configuration under {@code streamfit.*} (environment: {@code STREAMFIT_...}). */
@ConfigMapping(prefix = "streamfit")
public interface StreamfitConfig {

    /** Directory of model specs, one {@code .yaml}/{@code .yml}/{@code .json} file per model. */
    Optional<String> modelsDir();

    Snapshot snapshot();

    Training training();

    Demo demo();

    Embedded embedded();

    Api api();

    Ownership ownership();

    Pretrained pretrained();

    Cluster cluster();

    /** The loss landscape and sharpness ({@code POST /models/{id}/landscape}, docs/console.md). */
    Landscape landscape();

    /**
     * The most models the whole cluster may declare: the specs directory and the models topic
     * together (each model costs about 3 threads, 16 file descriptors and 17 MB of memory on the
     * instance that trains it). {@code POST /models} beyond it is refused with 409; specs from
     * the specs directory beyond it are rejected specs.
     */
    @WithDefault("50")
    int maxModels();

    /** Consumer group of model {@code id} is {@code <prefix><id>}; its transactional id likewise. */
    @WithDefault("streamfit.")
    String groupPrefix();

    interface Snapshot {
        /** Compacted topic keyed by model id that holds every model's snapshots. */
        @WithDefault("streamfit.snapshots")
        String topic();

        /**
         * Largest snapshot accepted: the snapshot topic's {@code max.message.bytes} and the
         * producer's {@code max.request.size} are set to it (snapshots are not chunked).
         */
        @WithDefault("67108864")
        int maxBytes();

        /** Replication factor for the snapshot topic when streamfit creates it; default: the broker's. */
        Optional<Short> replicationFactor();
    }

    /**
     * On SIGTERM every model finishes or abandons its batch, commits a final snapshot and stops,
     * all within this budget (they stop in parallel); keep it below the pod's
     * {@code terminationGracePeriodSeconds} (Kubernetes' default: 30 s).
     */
    @WithDefault("20s")
    Duration shutdownBudget();

    interface Training {
        /** BLAS/OpenMP threads per training loop; 1 measured 2.5-4x faster than 2 on 2 cores. */
        @WithDefault("1")
        int blasThreads();

        /** How often each model logs a progress line. */
        @WithDefault("10s")
        Duration progressInterval();

        @WithDefault("200ms")
        Duration pollTimeout();

        /**
         * How often the lag of models that are not running (failed, diverged, restoring) is read
         * from Kafka, so streamfit_consumer_lag_records keeps growing with their backlog.
         */
        @WithDefault("15s")
        Duration idleLagInterval();

        /** A transaction held open by dead-lettered records is committed (with a snapshot) after this long. */
        @WithDefault("10s")
        Duration maxTransactionOpen();

        /**
         * Decode each model's records on a second thread, ahead of its training step, in order
         * (batches and results are bitwise the same either way). Off decodes on the training
         * thread: for a pod with a single CPU, or a node whose cores are all busy, where the second
         * thread has no core of its own and only competes with the step.
         */
        @WithDefault("true")
        boolean decodeAhead();

        /**
         * With decode-ahead, the record bytes a model may have decoded (or queued for decoding)
         * ahead of its training step; a larger record is decoded alone. Decoded JSON takes at most
         * twice its text, binary about its size.
         */
        @WithDefault("1048576")
        int decodeAheadBytes();
    }

    interface Demo {
        /** Start the demo stream producer and demo model; default: only with the embedded broker. */
        Optional<Boolean> enabled();

        /** Examples per second the demo producer writes. */
        @WithDefault("2000")
        int examplesPerSecond();

        /** Where Debian's dataset-fashion-mnist package puts its files. */
        @WithDefault("/usr/share/datasets/fashion-mnist")
        String fashionMnistDir();

        /** {@code auto} (Fashion-MNIST when present), {@code fashion-mnist} or {@code synthetic}. */
        @WithDefault("auto")
        String dataset();

        /** Synthetic stream only: every this many examples the class centres move (0 = no drift). */
        @WithDefault("0")
        long driftEvery();

        /**
         * The demo topic keeps at most this many bytes (its {@code retention.bytes}; at the
         * default rate the stream writes about 6 MB/s, so the topic would grow without bound).
         */
        @WithDefault("1073741824")
        long retentionBytes();

        /** The demo topic keeps records at most this long (its {@code retention.ms}). */
        @WithDefault("1h")
        Duration retention();
    }

    /**
     * How instances share the models: each model id maps to a partition of {@code topic}, and
     * the instances of one consumer group ({@code <group-prefix>owners}) each train the models of
     * the partitions they are assigned. See {@link io.streamfit.stream.ModelOwnership}.
     */
    interface Ownership {
        /**
         * On: models are spread over all instances with the same group prefix, and move between
         * them on scale-up, scale-down and failure. Off: this instance trains every model it
         * knows (and a second instance with the same models fences the first).
         */
        @WithDefault("true")
        boolean enabled();

        /** Compacted topic whose partitions decide ownership; it also stores specs created over HTTP. */
        @WithDefault("streamfit.models")
        String topic();

        /**
         * Partitions of the models topic when streamfit creates it: the most instances that can
         * share the work. Fixed once the topic exists (changing it would move every model).
         */
        @WithDefault("12")
        int partitions();

        /**
         * This instance's name in the ownership group (its client id is
         * {@code streamfit-owner-<name>}), shown by {@code kafka-consumer-groups --describe} and in
         * the 404 of a model another instance trains. Default: the host name (the pod name).
         */
        Optional<String> instanceName();

        /**
         * Requests for a model another instance trains (status, spec, predict, snapshot,
         * resume) are relayed to that instance, so any pod behind a Service answers for every
         * model. Off: they get a 404 that names the owner.
         */
        @WithDefault("true")
        boolean forwardRequests();

        /**
         * The address other instances reach this one at (on Kubernetes: the pod IP, from the
         * Downward API). Default: the address the brokers see this instance's connections from,
         * which is the pod IP unless the traffic to the brokers is translated (NAT) on its way.
         */
        Optional<String> advertisedHost();
    }

    interface Api {
        /**
         * Keys that authorize requests ({@code Authorization: Bearer <key>} or
         * {@code X-API-Key: <key>}); several may be set, comma-separated, to rotate them. Unset:
         * every endpoint is open, and the service says so in a warning at start.
         */
        Optional<List<String>> keys();

        /** Whether reading endpoints (GET, {@code /predict}, {@code /validate}) need a key too. */
        @WithDefault("false")
        boolean protectReads();

        /**
         * Refuse to start without {@code keys} (the shipped Kubernetes manifests set it), so a
         * missing Secret means a pod that does not start rather than an open API.
         */
        @WithDefault("false")
        boolean requireKeys();
    }

    interface Embedded {
        /** Where the embedded broker keeps its logs; empty = a temporary directory deleted on exit. */
        Optional<String> dataDir();

        /**
         * The address the embedded broker listens on. The broker has no authentication: anyone
         * who reaches it can write the models and snapshot topics around the API keys. Keep the
         * loopback default unless every host that can reach this address is trusted
         * ({@code 0.0.0.0}: every interface).
         */
        @WithDefault("127.0.0.1")
        String host();
    }

    /** Instance-to-instance calls (requests relayed to the instance that trains a model). */
    interface Cluster {
        /**
         * The secret shared by all instances that signs relayed requests (HMAC-SHA256 over the
         * method, path and query, a timestamp and the body's digest); the caller's own key is
         * never forwarded. With API keys configured and no secret, requests are not relayed: a
         * model trained elsewhere answers 404 naming its instance.
         */
        Optional<String> secret();

        /** How far a relayed request's timestamp may be from the receiver's clock. */
        @WithDefault("30s")
        Duration relayClockSkew();
    }

    /**
     * Where a spec's {@code pretrained: {file: ...}} may read from. Closed by default: without a
     * directory every file source is refused, and specs sent over the API may not name files
     * unless allowed. See {@link io.streamfit.files.PretrainedFiles}.
     */
    interface Pretrained {
        /**
         * The only directory pre-trained files are read from (canonical paths, after symlinks,
         * must lie inside it; relative names resolve in it). Unset: file sources are refused.
         */
        Optional<String> dir();

        /**
         * Whether specs sent over the API ({@code POST /models}, and so the models topic) may name
         * a {@code pretrained.file} in that directory; off, only specs in the specs directory may.
         */
        @WithDefault("false")
        boolean allowApiFiles();
    }

    interface Landscape {
        /**
         * Bound on one request's estimated work, in multiply-adds ((loss evaluations + 3 x gradient
         * evaluations) x rows x parameters): requests over it are refused with the estimate.
         */
        @WithDefault("2e10")
        double maxMultiplyAdds();

        /**
         * Every this long, each running model's sharpness (largest Hessian eigenvalue) on fresh
         * held-out rows is measured and exported as {@code streamfit_loss_sharpness}; off by default.
         */
        Optional<Duration> sharpnessInterval();
    }
}
