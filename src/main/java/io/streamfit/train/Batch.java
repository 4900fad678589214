package io.streamfit.train;

/**
 * One assembled mini-batch, row-major, ready to wrap as tensors: {@code x} is
 * {@code size x width}; {@code y} is {@code size x targetWidth} (class indices as floats for
 * classification, one per row).
 */
public record Batch(int size, int width, float[] x, int targetWidth, float[] y) {}
