/**
 * Learning-rate schedules ({@link io.streamfit.schedule.LrSchedule}): pure functions of the
 * number of optimizer steps taken, so a snapshot's step count is their whole position. They
 * follow {@code torch.optim.lr_scheduler}'s names and arguments (step, multi-step, exponential,
 * cosine annealing and warm restarts, cyclic, one-cycle, polynomial, ...), plus the warm-up and
 * linear-scaling modifiers that wrap any of them. Each declares itself in one
 * {@link io.streamfit.schedule.ScheduleKind} (name, parameters and defaults, rules, factory),
 * registered in {@link io.streamfit.schedule.Schedules}.
 *
 * <p>May use: {@code hyper} (how parameters are declared), and no library (plain Java).
 */
package io.streamfit.schedule;
