/**
 * The loss landscape of a model around its current parameters: one- and two-dimensional slices
 * along filter-normalized random directions (Li et al. 2018, "Visualizing the Loss Landscape of
 * Neural Nets") and sharpness, the Hessian's dominant eigenvalue by power iteration on
 * finite-difference Hessian-vector products. {@link io.streamfit.landscape.LossSurface} holds a
 * float64 copy of the model and the held-out rows; {@link io.streamfit.landscape.Cost} says what a
 * request costs before it runs; {@link io.streamfit.landscape.LandscapeReport} puts them together
 * into the one report the service's API and the {@code landscape} command both answer.
 *
 * <p>Pure math: may use {@code nn}, {@code train} (to build the network and loss a spec names),
 * {@code spec} and {@code hyper}, ND4J and the JDK, and no service framework.
 */
package io.streamfit.landscape;
