/**
 * Hyper-parameter search, the math: where a spec field may lie ({@link io.streamfit.search.Space}:
 * choice, uniform, log-uniform, integer-uniform) and how the next trial is proposed from the
 * trials scored so far ({@link io.streamfit.search.Sampler}: grid, random, TPE). No I/O, no
 * state of its own: a search's trials and its generator's one {@code long} are all a snapshot
 * needs to resume it.
 *
 * <p>May use: {@code nn} (its {@code SplitMix64} generator).
 */
package io.streamfit.search;
