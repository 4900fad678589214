/**
 * The optimizers of {@code torch.optim} (SGD, Adam, AdamW, NAdam, Adamax, Adagrad, Adadelta,
 * RMSprop), each a fused loop over the flat parameter and gradient buffers
 * ({@link io.streamfit.optim.FlatOptimizer}) that declares itself in one
 * {@link io.streamfit.optim.OptimizerKind} (name, hyper-parameters and defaults, state tensors,
 * factory), registered in {@link io.streamfit.optim.Optimizers}; gradient clipping
 * ({@link io.streamfit.optim.GradientClipper}); and the regularization group's penalties
 * ({@link io.streamfit.optim.Regularizer}).
 *
 * <p>May use: {@code hyper} (ND4J and JavaCPP besides) and no service framework; in particular
 * never {@code nn}: an optimizer sees flat buffers and index ranges, and which layer owns a slice
 * is for {@code train} to connect.
 */
package io.streamfit.optim;
