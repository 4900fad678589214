package io.streamfit.landscape;

/**
 * What a landscape request costs, known before it runs, so that a caller can refuse one over a
 * stated bound: the loss and gradient evaluations it takes, and an estimate of their work in
 * multiply-adds.
 *
 * <p>A forward pass over {@code rows} rows costs about {@code rows x parameters} multiply-adds: a
 * dense layer's {@code x W^T} is {@code rows x in x out}, one per weight and row, and everything
 * else (biases, activations, normalization, the loss) is linear in the activations' size, far
 * smaller. A gradient adds backward's two products, {@code dW = dy^T x} and {@code dx = dy W}, of
 * the same size: three forward passes' worth. Multiply-adds are a {@code double}, since a careless
 * request (a fine plane grid on a large model) can exceed {@code Long.MAX_VALUE}.
 *
 * @param lossEvaluations forward passes over all rows
 * @param gradientEvaluations forward and backward passes over all rows
 * @param multiplyAdds the estimate, {@code (lossEvaluations + 3 gradientEvaluations) x rows x parameters}
 */
public record Cost(long lossEvaluations, long gradientEvaluations, double multiplyAdds) {
    /** A gradient's work in forward passes. */
    public static final int GRADIENT_FACTOR = 3;

    /** {@link Landscape#line}: {@code points} loss evaluations. */
    public static Cost line(int points, long rows, long parameters) {
        return of(points, 0, rows, parameters);
    }

    /** {@link Landscape#plane}: {@code points^2} loss evaluations. */
    public static Cost plane(int points, long rows, long parameters) {
        return of((long) points * points, 0, rows, parameters);
    }

    /** {@link Sharpness#topEigenvalue} at most: two gradient evaluations per iteration. */
    public static Cost sharpness(int maxIterations, long rows, long parameters) {
        return of(0, 2L * maxIterations, rows, parameters);
    }

    public static Cost of(long lossEvaluations, long gradientEvaluations, long rows, long parameters) {
        if (lossEvaluations < 0 || gradientEvaluations < 0 || rows < 0 || parameters < 0) {
            throw new IllegalArgumentException("counts must be >= 0");
        }
        double perPass = (double) rows * parameters;
        return new Cost(lossEvaluations, gradientEvaluations,
                (lossEvaluations + (double) GRADIENT_FACTOR * gradientEvaluations) * perPass);
    }

    /** Whether the estimate is over {@code maxMultiplyAdds}. */
    public boolean exceeds(double maxMultiplyAdds) {
        return multiplyAdds > maxMultiplyAdds;
    }
}
