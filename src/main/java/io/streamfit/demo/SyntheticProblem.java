package io.streamfit.demo;

import io.streamfit.nn.SplitMix64;

/**
 * A learnable classification stream: each class is a Gaussian blob around its own centre in
 * {@code width} dimensions (centres drawn once from the seed), examples are centre plus unit
 * noise. With {@code driftEvery > 0}, every that many examples the centres are re-drawn, so the
 * concept drifts and a continually trained model must re-learn (visible as a dip in prequential
 * accuracy). Deterministic for a seed.
 */
public final class SyntheticProblem {
    private final int width;
    private final int classes;
    private final long driftEvery;
    private final SplitMix64 rng;
    private final float[] centres;
    private final double spread;
    private long produced;

    public SyntheticProblem(int width, int classes, long seed, long driftEvery) {
        this(width, classes, seed, driftEvery, 1.2);
    }

    /** @param spread standard deviation of the centres' coordinates (noise has 1): smaller is harder */
    public SyntheticProblem(int width, int classes, long seed, long driftEvery, double spread) {
        this.spread = spread;
        this.width = width;
        this.classes = classes;
        this.driftEvery = driftEvery;
        this.rng = new SplitMix64(seed);
        this.centres = new float[classes * width];
        drawCentres();
    }

    private void drawCentres() {
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) (rng.nextGaussian() * spread);
        }
    }

    public int width() {
        return width;
    }

    public int classes() {
        return classes;
    }

    /** Fills {@code count} examples into {@code x} ({@code count x width}) and {@code y}. */
    public void next(int count, float[] x, int[] y) {
        for (int i = 0; i < count; i++) {
            if (driftEvery > 0 && produced > 0 && produced % driftEvery == 0) {
                drawCentres();
            }
            int c = (int) Math.floorMod(rng.nextLong(), (long) classes);
            y[i] = c;
            for (int j = 0; j < width; j++) {
                x[i * width + j] = centres[c * width + j] + (float) rng.nextGaussian();
            }
            produced++;
        }
    }
}
