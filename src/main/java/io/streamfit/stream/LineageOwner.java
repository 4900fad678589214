package io.streamfit.stream;

import io.streamfit.train.ModelState;
import io.streamfit.train.SearchRun;

/** What a {@link SnapshotLineage} needs of the training it serves; all called on the training thread. */
interface LineageOwner {
    /** Goes on from {@code committed}, the last committed state: batcher, bookkeeping and consumer back to it. */
    void continueFrom(ModelState committed);

    /** Drops the rest of the poll without going back (the model is being given up). */
    void abandonPoll();

    /** The model is being given up: commit nothing more. */
    boolean abandoning();

    /** A stop was asked for. */
    boolean stopping();

    /** The search the model runs, whose snapshot holds every live trial; null for a model that does not search. */
    default SearchRun search() {
        return null;
    }
}
