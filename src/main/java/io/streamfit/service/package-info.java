/**
 * The Quarkus wiring: {@link io.streamfit.service.ModelRegistry}, the models this instance trains
 * (each a {@code stream} ModelRunner on its own thread; declared in the specs directory or over
 * HTTP, shared out by ownership), with the model limit, deletion and retirement, the specs
 * directory and the stored form of specs; {@link io.streamfit.service.KafkaEndpoint}, where Kafka
 * is (or the embedded broker in demo mode); and the start-up steps run side by side.
 *
 * <p>May use: {@code config}, {@code demo}, {@code files}, {@code metrics}, {@code spec},
 * {@code stream}, {@code train} (the native BLAS settings at start). Not {@code api} or
 * {@code health}, which sit above it.
 */
package io.streamfit.service;
