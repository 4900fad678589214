package io.streamfit.search;

import io.streamfit.nn.SplitMix64;
import java.util.List;
import java.util.Map;

/**
 * Proposes the next trial's values from the trials scored so far.
 *
 * <p>Call order: {@link #suggest} once per new trial, with every trial scored so far (in the
 * order they were scored), the new trial's number ({@code index}, from 0: trials that run side
 * by side are proposed before any is scored) and the search's generator. A sampler keeps no state of its own: what
 * it proposes is a function of the space, the history and the generator's state, so a search
 * restored from a snapshot (its trials and the generator's one {@code long}) proposes exactly
 * what an uninterrupted one would have.
 */
public interface Sampler {
    /** The values of the next trial, by spec path, one per space. */
    Map<String, Object> suggest(Map<String, Space> spaces, List<Trial> scored, int index, SplitMix64 rng);
}
