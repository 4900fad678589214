/**
 * How a component declares the hyper-parameters it accepts: {@link io.streamfit.hyper.HyperParameter}
 * (name, kind, default, bounds) and {@link io.streamfit.hyper.HyperValues} (the values a validated
 * spec holds), and {@link io.streamfit.hyper.HyperRule} (a constraint between them). Components
 * ({@code nn}'s layers, {@code optim}, {@code schedule}) declare them; {@code spec} reads the declarations to
 * validate specs and fill in defaults. {@link io.streamfit.hyper.Registry} finds a component of one
 * sort by its spec name.
 *
 * <p>May use: nothing.
 */
package io.streamfit.hyper;
