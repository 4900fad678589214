package io.streamfit.drift;

/**
 * A change detector over a stream of real numbers whose mean is expected to stay put.
 *
 * <p>Call order: {@link #add} once per observation, in stream order, on one thread; it returns
 * true on the observation that raises an alarm. What a detector does after an alarm (shrink its
 * window, start afresh) is its own and stated in its Javadoc; the caller does nothing but act on
 * the alarm. {@link #state()} and {@link #restore} may be called between two {@link #add}s: a
 * detector restored from a state behaves exactly, bit for bit, as the one the state was taken from.
 */
public interface DriftDetector {

    /** Spec name, e.g. {@code adwin}. */
    String type();

    /**
     * Takes the next observation.
     *
     * @return whether this observation raised an alarm (an increase in the mean, for detectors
     *     that watch one direction only)
     * @throws IllegalArgumentException if {@code x} is not finite (a non-finite value says nothing
     *     about the mean; callers skip it)
     */
    boolean add(double x);

    /** Observations taken since the detector was built (alarms do not reset it). */
    long observations();

    /** The detector's current estimate of the stream's mean (NaN before the first observation). */
    double mean();

    /** The detector's whole state, as plain values (a snapshot writes it as JSON). */
    Record state();

    /**
     * Replaces this detector's state.
     *
     * @throws IllegalArgumentException if {@code state} is not this detector's kind of state or is
     *     inconsistent (names the field)
     */
    void restore(Record state);
}
