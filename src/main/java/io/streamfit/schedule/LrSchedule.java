package io.streamfit.schedule;

/**
 * A learning-rate schedule: a pure function of the number of optimizer steps already taken, so
 * its whole position is that count (which every snapshot carries) and a restored model continues
 * the schedule exactly. {@code lr(0)} is the rate of the first step, matching
 * {@code torch.optim.lr_scheduler} stepped once per optimizer step.
 */
public interface LrSchedule {

    /** Spec name, e.g. {@code constant}. */
    String type();

    double lr(long stepsDone);
}
