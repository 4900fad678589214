package io.streamfit.data;

import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import io.streamfit.train.StepResult;
import io.streamfit.train.TrainingListener;
import java.util.Iterator;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * The path from records to updated parameters, written once for the service (a Kafka poll at a
 * time) and the offline {@code train} command (a file): decode ({@link DecodeAhead}, on a second
 * thread unless turned off), batch ({@link Batcher}, deterministic by offset), train
 * ({@link ModelState#train}). What differs between the two is in {@link Hooks}: what happens to a
 * rejected record, and after each step (snapshots, validation checks, divergence rollback,
 * keep-alive polls in the service; totals and metrics in the command). Because both run this
 * class, the same records in the same order give bitwise the same model in both.
 *
 * <p>Per record, in the order given: a rejected record is offered to the batcher as consumed, and
 * handed to {@link Hooks#rejected} unless the lineage already passed it; a decoded one is offered,
 * and every batch it completes is trained at once, with {@link Hooks#beforeStep} and
 * {@link Hooks#afterStep} around it, and the {@link TrainingListener} told of the step (and of a
 * rejected record) before the hooks see it. After {@link #abandon} (a rollback, a rebalance that took
 * partitions, a stop) no further batch is trained, the rest of the records is neither decoded nor
 * looked at, and what was decoded ahead is dropped. Everything here, hooks included, runs on the
 * thread that calls {@link #run}; only decoding happens on the {@link DecodeAhead} thread.
 *
 * @param <R> the record type
 */
public final class TrainingLoop<R> implements AutoCloseable {
    /** What a record is, for batching: its partition and offset, and the value to decode. */
    public record RecordView<R>(ToIntFunction<R> partition, ToLongFunction<R> offset, Function<R, byte[]> value) {}

    /** What the caller does around the shared path; all called on the training thread. */
    public interface Hooks<R> {
        /** The model that trains the next batch (the service replaces it on a rollback). */
        ModelState state();

        /**
         * Trains one batch: {@link #state()}'s step, normally; a search trains each of its running
         * trials on it here ({@code train.SearchRun}) and {@link #state()} is the trial that leads.
         */
        default StepResult train(Batch batch) {
            return state().train(batch);
        }

        /** A record the decoder rejected, which this lineage had not passed yet (dead-letter it, count it). */
        void rejected(R record, RejectedRecordException e) throws InterruptedException;

        /** Right before a step (the service applies an operator's resume here). */
        default void beforeStep() {}

        /**
         * Right after a step that took {@code nanos}; {@code record} is the one whose examples
         * completed the batch. May {@link TrainingLoop#abandon} the rest.
         */
        void afterStep(R record, StepResult result, long nanos) throws InterruptedException;

        /** Checked after each record: true ends {@link #run} there, as {@link #abandon} does. */
        default boolean stopping() {
            return false;
        }
    }

    private final Batcher batcher;
    private final RecordView<R> view;
    private final Hooks<R> hooks;
    private final TrainingListener listener;
    private final DecodeAhead<R> decoding;
    private boolean abandoned;

    /**
     * @param decoder       {@link RecordDecoder#decode}, normally
     * @param listener      observes every step and rejected record (metrics)
     * @param maxAheadBytes bound of {@link DecodeAhead}; 0 decodes on the training thread
     * @param threadName    the decoder thread's name
     */
    public TrainingLoop(DecodeAhead.Decoder decoder, Batcher batcher, RecordView<R> view, Hooks<R> hooks,
            TrainingListener listener,
            long maxAheadBytes, String threadName) {
        this.batcher = batcher;
        this.view = view;
        this.hooks = hooks;
        this.listener = listener;
        this.decoding = new DecodeAhead<>(decoder, view.value(), maxAheadBytes, threadName);
    }

    public Batcher batcher() {
        return batcher;
    }

    /**
     * Trains on {@code records}, in order, until they are all handled or the run is abandoned;
     * the records are pulled from the iterator on this thread, as far ahead as the decode bound
     * allows.
     */
    public void run(Iterator<R> records) throws InterruptedException {
        abandoned = false;
        R next = null;
        try {
            while (true) {
                while (next != null || records.hasNext()) {
                    if (next == null) {
                        next = records.next();
                    }
                    if (!decoding.offer(next)) {
                        break;
                    }
                    next = null;
                }
                DecodeAhead.Decoded<R> d = decoding.take();
                if (d == null) {
                    return;
                }
                handle(d);
                if (abandoned || hooks.stopping()) {
                    return;
                }
            }
        } finally {
            decoding.cancel(); // abandoned, stopped or failed: what was decoded ahead is stale
        }
    }

    /** Trains no further batch in this {@link #run}, and drops what was decoded ahead. */
    public void abandon() {
        abandoned = true;
    }

    /** Whether the current (or last) {@link #run} was abandoned. */
    public boolean abandoned() {
        return abandoned;
    }

    /** Ends the decoder thread (see {@link DecodeAhead#close}). */
    @Override
    public void close() {
        decoding.close();
    }

    private void handle(DecodeAhead.Decoded<R> d) throws InterruptedException {
        R r = d.record();
        if (d.rejected() != null) {
            if (batcher.offer(view.partition().applyAsInt(r), view.offset().applyAsLong(r), null)) {
                listener.recordRead();
                listener.rejected(d.rejected().reason().label());
                hooks.rejected(r, d.rejected());
            }
            return;
        }
        if (!batcher.offer(view.partition().applyAsInt(r), view.offset().applyAsLong(r), d.examples())) {
            return;
        }
        listener.recordRead();
        Batch b;
        while (!abandoned && (b = batcher.next()) != null) {
            hooks.beforeStep();
            ModelState state = hooks.state(); // the one whose result train returns (a search's lead may change with the step)
            long t0 = System.nanoTime();
            StepResult res = hooks.train(b);
            long nanos = System.nanoTime() - t0;
            listener.step(state, res, nanos);
            hooks.afterStep(r, res, nanos);
        }
    }
}
