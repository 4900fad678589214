/**
 * The Quarkus wiring: {@link io.streamfit.service.ModelRegistry}, the models this instance trains
 * (each a {@code stream} ModelRunner on its own thread; declared in the specs directory or over
 * HTTP, shared out by ownership), the bean the REST layer and the health checks use, which does
 * start-up and shutdown and hands the rest on: {@link io.streamfit.service.RunningModels}, the
 * runner threads (start, stop, wait within a deadline); {@link io.streamfit.service.SpecSources},
 * where specs come from (the specs directory and the demo, {@code POST /models}, the models
 * topic) and the rejected ones; {@link io.streamfit.service.OwnershipGroup}, this instance's
 * membership of the ownership group, the owners of other models and the peers, with
 * {@link io.streamfit.service.OwnershipListener}, what a change of its share starts and stops.
 * Besides: the model limit, deletion and retirement, the specs directory and the stored form of
 * specs; {@link io.streamfit.service.KafkaEndpoint}, where Kafka is (or the embedded broker in
 * demo mode); and the start-up steps run side by side. For the console:
 * {@link io.streamfit.service.ModelHistory}, each model's last hour of curves, sampled once a
 * second by {@link io.streamfit.service.HistorySampler}; {@link io.streamfit.service.LandscapeJobs},
 * the loss landscape and sharpness computed on their own thread.
 *
 * <p>May use: {@code config}, {@code data} (the dead-letter reasons), {@code demo}, {@code files},
 * {@code landscape}, {@code metrics}, {@code nn} (the landscape's generator), {@code spec},
 * {@code stream}, {@code train} (the native BLAS settings at start). Not {@code api} or
 * {@code health}, which sit above it.
 */
package io.streamfit.service;
