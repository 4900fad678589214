/**
 * Concept-drift detectors over a stream of numbers (a model's per-batch prequential loss or error
 * rate): {@link io.streamfit.drift.Adwin} and {@link io.streamfit.drift.PageHinkley}, each with
 * its published parameters and defaults, declared once in a {@link io.streamfit.drift.DetectorKind}
 * and registered in {@link io.streamfit.drift.Detectors}. A detector's whole state is a record
 * ({@link io.streamfit.drift.DriftDetector#state()}), so a snapshot carries it and a restored
 * detector raises exactly the alarms the original would have.
 *
 * <p>May use: {@code hyper} (how parameters are declared), and no library (plain Java).
 */
package io.streamfit.drift;
