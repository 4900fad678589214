package io.streamfit.data;

import io.streamfit.snapshot.Position;
import io.streamfit.train.Batch;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Groups examples into mini-batches of a fixed size, deterministically by offset: a batch is the
 * next {@code batchSize} examples in the order records are offered, whatever records they came
 * in and however the polls were cut. The same records in the same order always give the same
 * batches. (Across partitions, the order is the order the consumer returned them; with one
 * partition it is the offset order.)
 *
 * <p>It also tracks, per partition, the {@link Position} of the first example not yet in a
 * returned batch: the offsets a snapshot may commit. After a restore, {@link #resume} makes it
 * drop what the lineage already trained on (records before the position, and the first
 * {@code skip} examples of the record at it), so nothing is trained twice.
 */
public final class Batcher {
    private final int batchSize;
    private final ArrayDeque<Chunk> pending = new ArrayDeque<>();
    private final Map<Integer, Long> nextOffset = new HashMap<>();
    private final Map<Integer, Position> resumeAt = new HashMap<>();
    private int pendingExamples;

    private static final class Chunk {
        final int partition;
        final long offset;
        final Examples examples;
        int start;

        Chunk(int partition, long offset, Examples examples, int start) {
            this.partition = partition;
            this.offset = offset;
            this.examples = examples;
            this.start = start;
        }
    }

    public Batcher(int batchSize) {
        this.batchSize = batchSize;
    }

    /** Continue after a snapshot: positions per partition, as {@link #positions()} returned them. */
    public void resume(Map<Integer, Position> positions) {
        pending.clear();
        pendingExamples = 0;
        nextOffset.clear();
        resumeAt.clear();
        resumeAt.putAll(positions);
        positions.forEach((p, pos) -> nextOffset.put(p, pos.offset()));
    }

    /**
     * Offers the next record of a partition. {@code examples == null} marks a rejected record: it
     * holds nothing to train but its offset is consumed. Returns false when the record was
     * already trained in this lineage and is ignored.
     */
    public boolean offer(int partition, long offset, Examples examples) {
        Position resume = resumeAt.get(partition);
        int skip = 0;
        if (resume != null) {
            if (offset < resume.offset()) {
                return false;
            }
            if (offset == resume.offset()) {
                skip = resume.skip();
            }
            resumeAt.remove(partition);
        }
        Long expected = nextOffset.get(partition);
        if (expected != null && offset < expected) {
            return false;
        }
        nextOffset.put(partition, offset + 1);
        if (examples != null && examples.count() > skip) {
            pending.add(new Chunk(partition, offset, examples, skip));
            pendingExamples += examples.count() - skip;
        }
        return true;
    }

    public int pendingExamples() {
        return pendingExamples;
    }

    /** The next full batch, or null while fewer than {@code batchSize} examples are pending. */
    public Batch next() {
        if (pendingExamples < batchSize) {
            return null;
        }
        Chunk first = pending.peek();
        int width = first.examples.width();
        int tw = first.examples.targetWidth();
        float[] x = new float[batchSize * width];
        float[] y = new float[batchSize * tw];
        int filled = 0;
        while (filled < batchSize) {
            Chunk c = pending.peek();
            int take = Math.min(batchSize - filled, c.examples.count() - c.start);
            System.arraycopy(c.examples.x(), c.start * width, x, filled * width, take * width);
            System.arraycopy(c.examples.y(), c.start * tw, y, filled * tw, take * tw);
            filled += take;
            c.start += take;
            if (c.start == c.examples.count()) {
                pending.poll();
            }
        }
        pendingExamples -= batchSize;
        return new Batch(batchSize, width, x, tw, y);
    }

    /** Per partition, the offset after the last record offered. */
    public Map<Integer, Long> consumed() {
        return new TreeMap<>(nextOffset);
    }

    /** Per partition, the first example not yet returned in a batch. */
    public Map<Integer, Position> positions() {
        Map<Integer, Position> out = new TreeMap<>();
        nextOffset.forEach((p, next) -> out.put(p, new Position(next, 0)));
        for (Iterator<Chunk> it = pending.descendingIterator(); it.hasNext();) {
            Chunk c = it.next();
            out.put(c.partition, new Position(c.offset, c.start));
        }
        resumeAt.forEach(out::put);
        return out;
    }
}
