/**
 * {@link io.streamfit.config.StreamfitConfig}: the service's settings under {@code streamfit.*}
 * (environment {@code STREAMFIT_...}) as a SmallRye config mapping.
 *
 * <p>May use: no other streamfit package (its Javadoc points at a few classes; its code uses
 * none). Only the service side reads it ({@code service}, {@code demo}, {@code api}); the math
 * core and {@code stream} are handed plain values instead.
 */
package io.streamfit.config;
