/**
 * Model specs: {@link io.streamfit.spec.SpecParser} turns YAML or JSON text into a validated
 * {@link io.streamfit.spec.ModelSpec}, or rejects it listing every field error with its path
 * ({@link io.streamfit.spec.SpecException}); the per-section readers carry PyTorch's names and
 * defaults for optimizers, schedules, initializers and the training-data sections. Also
 * {@link io.streamfit.spec.JsonReadErrors}, Jackson's read errors in the project's words, for
 * specs and records alike.
 *
 * <p>May use: no other streamfit package (Jackson and SnakeYAML only) and no service framework:
 * every other package reads the validated spec, so it sits at the bottom beside {@code nn}.
 */
package io.streamfit.spec;
