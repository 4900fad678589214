/**
 * The optimizers of {@code torch.optim} (SGD, Adam, AdamW, NAdam, Adamax, Adagrad, Adadelta,
 * RMSprop), each a fused loop over the flat parameter and gradient buffers
 * ({@link io.streamfit.optim.FlatOptimizer}); gradient clipping
 * ({@link io.streamfit.optim.GradientClipper}); and the regularization group's penalties
 * ({@link io.streamfit.optim.Regularizer}).
 *
 * <p>May use: no other streamfit package (ND4J and JavaCPP only) and no service framework; in
 * particular never {@code nn}: an optimizer sees flat buffers and index ranges, and which layer
 * owns a slice is for {@code train} to connect.
 */
package io.streamfit.optim;
