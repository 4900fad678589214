package io.streamfit.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A validated model declaration. Build one with {@link SpecParser}; every field has been
 * checked, so the training code never re-validates. {@link #source()} is the spec as the user
 * wrote it (normalized to JSON), which snapshots carry as provenance.
 *
 * @param deadLetterTopic where undecodable or invalid records go (default {@code <topic>.dlq})
 */
public record ModelSpec(
        String id,
        String topic,
        int inputWidth,
        Task task,
        List<LayerSpec> layers,
        String loss,
        OptimizerSpec optimizer,
        ScheduleSpec schedule,
        double clipMaxNorm,
        int batchSize,
        long seed,
        SnapshotPolicy snapshot,
        int evaluationWindow,
        String deadLetterTopic,
        JsonNode source) {

    /** Number of trainable parameters the layers declare. */
    public long parameterCount() {
        long width = inputWidth;
        long n = 0;
        for (LayerSpec l : layers) {
            if (l.type().equals("dense")) {
                n += width * l.units() + l.units();
                width = l.units();
            } else if (l.type().equals("layer_norm")) {
                n += 2 * width;
            }
        }
        return n;
    }

    /**
     * An upper estimate of a snapshot's size: parameters and per-parameter optimizer state in
     * float32, plus room for the header (tensor table, spec, metadata).
     */
    public long estimatedSnapshotBytes() {
        int stateBuffers = switch (optimizer.type()) {
            case "sgd" -> optimizer.number("momentum") != 0 ? 1 : 0;
            case "adam" -> optimizer.flag("amsgrad") ? 3 : 2;
            default -> 3;
        };
        return 4 * parameterCount() * (1 + stateBuffers) + 64 * 1024 + 2L * source.toString().length();
    }

    /** What the model predicts. */
    public record Task(TaskType type, int width) {}

    public enum TaskType {
        /** {@code y} is a class index in [0, classes); softmax over the outputs. */
        CLASSIFICATION,
        /** {@code y} is an array of real targets. */
        REGRESSION,
        /** {@code y} is an array of 0/1 targets (multi-label); one logit per output. */
        BINARY
    }

    /** One module; {@code units} for dense, {@code eps} for layer_norm. */
    public record LayerSpec(String type, int units, double eps) {}

    /** An optimizer by PyTorch name with its hyper-parameters under PyTorch's names, defaults filled in. */
    public record OptimizerSpec(String type, double lr, Map<String, Object> hyper) {
        public double number(String name) {
            Object v = hyper.get(name);
            if (v instanceof double[] pair) {
                throw new IllegalArgumentException(name + " is a pair");
            }
            return ((Number) v).doubleValue();
        }

        public double[] pair(String name) {
            return (double[]) hyper.get(name);
        }

        public boolean flag(String name) {
            return (Boolean) hyper.get(name);
        }
    }

    /** A learning-rate schedule by name with its parameters. */
    public record ScheduleSpec(String type, long stepSize, double gamma) {}

    /** When to publish a snapshot: after {@code everySteps} steps or {@code everySeconds}, whichever first (0 = off). */
    public record SnapshotPolicy(long everySteps, double everySeconds) {}
}
