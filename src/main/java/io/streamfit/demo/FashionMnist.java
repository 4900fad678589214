package io.streamfit.demo;

import java.io.BufferedInputStream;
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

    /**
     * The same images as stored: one byte per pixel (a quarter of {@link Split}'s memory, and no
     * conversion pass at load time); {@link #pixel} scales a byte exactly as {@link Split} does.
     */
    public record Raw(int count, byte[] pixels, byte[] labels) {
        /** Image {@code image}, scaled to [0, 1], into {@code x} from {@code offset}. */
        public void image(int image, float[] x, int offset) {
            int from = image * WIDTH;
            for (int j = 0; j < WIDTH; j++) {
                x[offset + j] = pixel(pixels[from + j]);
            }
        }

        public int label(int image) {
            return labels[image];
        }
    }

    /** A stored pixel scaled to [0, 1], as {@code ToTensor()} does. */
    static float pixel(byte b) {
        return (b & 0xff) / 255f;
    }

    private FashionMnist() {}

    public static boolean present(Path dir) {
        return Files.isReadable(dir.resolve("train-images-idx3-ubyte.gz"))
                && Files.isReadable(dir.resolve("train-labels-idx1-ubyte.gz"));
    }

    public static Split train(Path dir) throws IOException {
        return read(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"));
    }

    public static Split test(Path dir) throws IOException {
        return read(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
    }

    /** The training split as stored (the demo streams it; see {@link Raw}). */
    public static Raw trainRaw(Path dir) throws IOException {
        return readRaw(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"));
    }

    private static Split read(Path images, Path labels) throws IOException {
        Raw raw = readRaw(images, labels);
        float[] x = new float[raw.pixels().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = pixel(raw.pixels()[i]);
        }
        int[] y = new int[raw.count()];
        for (int i = 0; i < y.length; i++) {
            y[i] = raw.labels()[i];
        }
        return new Split(raw.count(), x, y);
    }

    private static Raw readRaw(Path images, Path labels) throws IOException {
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
            return new Raw(n, pixels, ys);
        }
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream in = new GZIPInputStream(Files.newInputStream(p), 1 << 16);
        return new DataInputStream(new BufferedInputStream(in, 1 << 16));
    }
}
