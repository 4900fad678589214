/**
 * The demo: {@link io.streamfit.demo.DemoStream} writes a labelled stream of binary records
 * (Fashion-MNIST when Debian's {@code dataset-fashion-mnist} is installed, else a drifting
 * {@link io.streamfit.demo.SyntheticProblem}) into a retention-bounded topic, and gives the spec of
 * a model that learns it.
 *
 * <p>May use: {@code config}, {@code data} (the binary record encoding), {@code nn} (the seeded
 * generator), {@code spec}, {@code stream} (the Kafka clients). Only {@code service} starts it.
 */
package io.streamfit.demo;
