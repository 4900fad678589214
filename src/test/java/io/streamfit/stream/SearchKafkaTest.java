package io.streamfit.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.streamfit.metrics.MetricNames;
import io.streamfit.snapshot.Position;
import io.streamfit.snapshot.SearchSnapshots;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.SearchBoard;
import io.streamfit.train.SearchRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A search in the service, against a real in-JVM broker: its trials train side by side on one
 * consumer, its whole progress is in each exactly-once snapshot, and a failed transaction or a
 * restart goes on bitwise as the same search in memory over the same records.
 */
class SearchKafkaTest extends BrokerTest {
    private static final SimpleMeterRegistry METRICS = new SimpleMeterRegistry();

    /**
     * Successive halving of 9 trials (width, dropout and learning rate searched) over 520 examples
     * of the stream (rungs of 40, 120 and 360 examples per trial), then continuous mode: two
     * challengers every 5 batches. Snapshots every {@code everySteps} batches (7 here: they fall
     * mid-rung; {@link CrashRecoveryIT} takes one after every batch).
     */
    static String specText(String id, int everySteps) {
        return """
                id: %s
                topic: %s.examples
                input_width: 8
                task: {type: classification, classes: 4}
                layers: [{type: dense, units: {choice: [8, 16, 32]}}, {type: tanh}, {type: dropout, p: {uniform: [0, 0.3]}},
                         {type: dense, units: 4}]
                optimizer: {type: adam, lr: {log_uniform: [0.001, 0.1]}}
                batch_size: 4
                seed: 3
                snapshot: {every_steps: %d, every_seconds: 0}
                search:
                  strategy: successive_halving
                  trials: 9
                  eta: 3
                  budget: {examples: 1080}
                  objective: {metric: prequential_loss, window: 5}
                  seed: 5
                  continuous: {challengers: 2, window: 5}
                """.formatted(id, id, everySteps);
    }

    @Test
    void aSearchGoesOnBitwiseAcrossFailedCommitsAndARestart() throws Exception {
        String bootstrap = kafka.bootstrapServers();
        ModelSpec spec = SpecParser.parse(specText("hpo", 7));
        TestKafka.createTopic(bootstrap, "hpo.examples", 1);
        List<byte[]> records = ReferenceRun.records(300, 17);
        List<byte[]> first = records.subList(0, 40);
        TestKafka.produce(bootstrap, "hpo.examples", first);

        // Mid-search: 120 examples, in the second rung (3 trials alive), with the third and
        // fourth commits failing: each rolls the whole search back to the snapshot before.
        SearchRun reference = ReferenceRun.search(spec, first);
        SearchBoard midway = SearchBoard.of(reference);
        assertTrue(midway.stage() == 1 && reference.liveTrials().size() == 3, "the first 40 records end in the second rung");
        AtomicInteger commits = new AtomicInteger();
        ModelRunnerKafkaTest.Running a = run(spec, FaultyProducer.clients(Map.of("bootstrap.servers", bootstrap), commits,
                List.of(3, 4)));
        TestKafka.await("both injected failures rolled back, and the search trained every record", Duration.ofSeconds(90),
                () -> METRICS.find(MetricNames.ROLLBACKS).tag("model", "hpo").counter().count() == 2
                        && midway.equals(a.runner().searchBoard()));
        a.stop();
        byte[] last = a.runner().lastSnapshot();
        Map<String, String> meta = SnapshotCodec.metadata(last);
        assertTrue(meta.containsKey("search_state"), "the snapshot holds the search: " + meta.keySet());
        assertEquals(2,
                reference.liveTrials().keySet().stream().filter(n -> meta.containsKey("trial." + n + ".rng_state")).count(),
                "and its two live trials beside the lead: " + meta.keySet());
        assertEquals(midway, SearchBoard.of(SearchSnapshots.restore(last, spec)),
                "the final snapshot holds the search as it was");

        // A new instance restores the search from the snapshot topic and goes on over the rest of the stream.
        ModelRunnerKafkaTest.Running b = run(spec, clients);
        awaitBoard(b, midway);
        TestKafka.produce(bootstrap, "hpo.examples", records.subList(40, 300));
        SearchRun whole = ReferenceRun.search(spec, records);
        assertTrue(whole.done() && whole.started() > 9, "the stream reaches the challenge rounds");
        awaitBoard(b, SearchBoard.of(whole));
        assertEquals(whole.search().trials(), METRICS.find(MetricNames.SEARCH_SLOT_SCORE).tag("model", "hpo").gauges().size(),
                "one score series per slot, a slot per trial of the search");
        assertEquals(whole.started(), METRICS.find(MetricNames.SEARCH_TRIALS_STARTED).tag("model", "hpo").gauge().value());
        b.stop();
        // The winner's first snapshot is taken at the batch that ends the search (520 examples:
        // 173 records and one example), not at the schedule's next count, so no rollback goes back
        // to before the end.
        List<Position> positions = new ArrayList<>();
        for (byte[] bytes : CommittedLineage.committed(bootstrap, "hpo")) {
            positions.add(SnapshotCodec.decodeWithLineage(bytes, spec).lineage().positions().get(0));
        }
        assertTrue(positions.contains(new Position(173, 1)), "a snapshot where the search ended: " + positions);
        assertArrayEquals(whole.lead().network().params().toFloatVector(),
                b.runner().state().network().params().toFloatVector(), "the winner, bitwise the search in memory");
    }

    private static ModelRunnerKafkaTest.Running run(ModelSpec spec, KafkaClients with) {
        return ModelRunnerKafkaTest.Running.start(spec, with, store, METRICS);
    }

    /** Waits for the runner's leaderboard to be {@code expected}: the same search, bitwise, over the same records. */
    private static void awaitBoard(ModelRunnerKafkaTest.Running r, SearchBoard expected) throws InterruptedException {
        try {
            TestKafka.await("the search in memory's leaderboard", Duration.ofSeconds(90),
                    () -> expected.equals(r.runner().searchBoard()));
        } catch (AssertionError e) {
            assertEquals(expected, r.runner().searchBoard(), e.getMessage());
        }
    }
}
