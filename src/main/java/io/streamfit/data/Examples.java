package io.streamfit.data;

/**
 * The examples decoded from one record, row-major: {@code x} is {@code count x width},
 * {@code y} is {@code count x targetWidth} (a class index per row is stored as one float).
 */
public record Examples(int count, int width, float[] x, int targetWidth, float[] y) {}
