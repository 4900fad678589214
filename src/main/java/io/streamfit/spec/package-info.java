/**
 * Model specs: {@link io.streamfit.spec.SpecParser} turns YAML or JSON text into a validated
 * {@link io.streamfit.spec.ModelSpec}, or rejects it listing every field error with its path
 * ({@link io.streamfit.spec.SpecException}); the per-section readers carry PyTorch's names and
 * defaults for initializers and the training-data sections, and read each component's own
 * declaration for the layers, optimizer and schedule sections ({@code nn.LayerKind},
 * {@code optim.OptimizerKind}, {@code schedule.ScheduleKind}). Also
 * {@link io.streamfit.spec.JsonReadErrors}, Jackson's read errors in the project's words, for
 * specs and records alike.
 *
 * <p>May use: {@code hyper}, and {@code nn}, {@code optim} and {@code schedule} for their
 * components' declarations (never to build or run them); Jackson and
 * SnakeYAML; no service framework: every other package but those reads the validated spec.
 */
package io.streamfit.spec;
