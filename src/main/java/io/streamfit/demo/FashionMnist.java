package io.streamfit.demo;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads Fashion-MNIST from the IDX files of Debian's {@code dataset-fashion-mnist} package
 * ({@code /usr/share/datasets/fashion-mnist}). Pixels are scaled to [0, 1], as
 * {@code torchvision.transforms.ToTensor()} does; images are flattened row-major to 784 values.
 */
public final class FashionMnist {
    public static final int WIDTH = 28 * 28;
    public static final int CLASSES = 10;

    /** {@code x}: {@code count x 784}, {@code labels}: {@code count}. */
    public record Split(int count, float[] x, int[] labels) {}

    private FashionMnist() {}

    public static boolean present(Path dir) {
        return Files.isReadable(dir.resolve("train-images-idx3-ubyte.gz")) && Files.isReadable(dir.resolve("train-labels-idx1-ubyte.gz"));
    }

    public static Split train(Path dir) throws IOException {
        return read(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"));
    }

    public static Split test(Path dir) throws IOException {
        return read(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
    }

    private static Split read(Path images, Path labels) throws IOException {
        try (DataInputStream im = open(images); DataInputStream lb = open(labels)) {
            if (im.readInt() != 0x00000803 || lb.readInt() != 0x00000801) {
                throw new IOException("not IDX image/label files: " + images + ", " + labels);
            }
            int n = im.readInt();
            int rows = im.readInt();
            int cols = im.readInt();
            if (lb.readInt() != n || rows * cols != WIDTH) {
                throw new IOException("image and label files disagree or images are not 28x28");
            }
            byte[] pixels = im.readNBytes(n * WIDTH);
            byte[] ys = lb.readNBytes(n);
            if (pixels.length != n * WIDTH || ys.length != n) {
                throw new IOException("truncated IDX file");
            }
            float[] x = new float[pixels.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (pixels[i] & 0xff) / 255f;
            }
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = ys[i];
            }
            return new Split(n, x, y);
        }
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream in = new GZIPInputStream(Files.newInputStream(p), 1 << 16);
        return new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
    }
}
