/**
 * The network: layers (dense, activations, layer and batch norm, residual blocks, dropout,
 * Gaussian noise, online input scaling and PCA whitening), losses, initializers, and
 * {@link io.streamfit.nn.Network}, which keeps every parameter and every gradient in one flat
 * buffer; also the fused float32 kernels behind them and the seeded generator
 * ({@link io.streamfit.nn.SplitMix64}) that initializers, dropout and noise draw from.
 *
 * <p>Each layer declares its {@link io.streamfit.nn.LayerKind} (spec name, options, tensors,
 * limits, factory); {@link io.streamfit.nn.Layers} lists them.
 *
 * <p>May use: {@code hyper} (to declare options) and no other streamfit package (ND4J and
 * JavaCPP's OpenBLAS only), and no service framework: one of the bottom layers of
 * {@code io.streamfit.ArchitectureTest}.
 */
package io.streamfit.nn;
