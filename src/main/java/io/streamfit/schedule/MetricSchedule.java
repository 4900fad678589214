package io.streamfit.schedule;

/**
 * The part of a schedule that reads the model's prequential figures, not only the step count
 * ({@link ReduceLrOnPlateau}). Its position is not a function of the step count, so its state is
 * in every snapshot.
 *
 * <p>Call order, on the training thread: {@link #observe} after every applied optimizer step, with
 * that step's batch's prequential figures; the rate it sets is the schedule's {@code lr} from the
 * next step on. {@link #state()} and {@link #restore} between two observations.
 */
public interface MetricSchedule {

    /** One applied step's batch: its summed loss, correct predictions of {@code judged}, and size. */
    void observe(double lossSum, long correct, long judged, int examples);

    /** Back to the first step's rate and a fresh history (a drift alarm's {@code restart_schedule}). */
    void restart();

    /** The whole state, as plain values (a snapshot writes it as JSON). */
    Record state();

    /**
     * Replaces the state.
     *
     * @throws IllegalArgumentException if {@code state} is not this schedule's or is inconsistent
     */
    void restore(Record state);
}
