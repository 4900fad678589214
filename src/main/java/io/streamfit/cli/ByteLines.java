package io.streamfit.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The lines of a JSON-lines file as bytes, each copied once from a 1 MiB read buffer into its own
 * array: what a Kafka record's value is, so the {@code train} command hands the decoder exactly
 * what the service would. Line ends are those of {@link java.io.BufferedReader#readLine}: {@code \n},
 * {@code \r} or {@code \r\n}; a last line without one counts, an empty end after the last one does
 * not.
 *
 * <p>Why not {@code BufferedReader}: a 5 KB line went through a growing {@code StringBuilder}, a
 * {@code String} and {@code getBytes} again; a JFR profile of the command over 60,000 Fashion-MNIST
 * lines (issue 13) showed that as a quarter of the training thread's time outside the steps. Bytes
 * also mean that a line which is not valid UTF-8 is a rejected record, counted and reported as the
 * service would dead-letter it, instead of ending the whole pass.
 *
 * <p>Bound: a line longer than {@code maxLineBytes} is refused (an {@link UncheckedIOException}
 * naming the line) before it is copied whole.
 */
final class ByteLines implements Iterator<byte[]> {
    private final InputStream in;
    private final int maxLineBytes;
    private byte[] buf = new byte[1 << 20];
    private int pos;
    private int end;
    private boolean eof;
    private boolean skipLf; // the last line ended with \r: a \n right after it belongs to it
    private long line;
    private byte[] next;

    ByteLines(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            next = read();
        }
        return next != null;
    }

    @Override
    public byte[] next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        byte[] l = next;
        next = null;
        return l;
    }

    private byte[] read() {
        int from = pos; // where the search for a line end resumes
        while (true) {
            if (skipLf) {
                if (pos == end && !eof) {
                    fill();
                    from = pos;
                    continue;
                }
                skipLf = false;
                if (pos < end && buf[pos] == '\n') {
                    pos++;
                }
                from = pos;
            }
            for (int i = from; i < end; i++) {
                byte b = buf[i];
                if (b == '\n' || b == '\r') {
                    if (i - pos > maxLineBytes) {
                        throw tooLong();
                    }
                    byte[] l = Arrays.copyOfRange(buf, pos, i);
                    pos = i + 1;
                    skipLf = b == '\r';
                    line++;
                    return l;
                }
            }
            if (end - pos > maxLineBytes) {
                throw tooLong();
            }
            if (eof) {
                if (pos == end) {
                    return null;
                }
                byte[] l = Arrays.copyOfRange(buf, pos, end);
                pos = end;
                line++;
                return l;
            }
            int searched = end - pos;
            fill();
            from = pos + searched;
        }
    }

    private UncheckedIOException tooLong() {
        return new UncheckedIOException(new IOException("line " + (line + 1) + " is longer than " + maxLineBytes + " bytes"));
    }

    /** Moves the unread part to the front (growing the buffer for a long line) and reads more. */
    private void fill() {
        int pending = end - pos;
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, pending);
        } else if (pending == buf.length) {
            buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, (long) maxLineBytes + 2));
        }
        pos = 0;
        end = pending;
        try {
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                eof = true;
            } else {
                end += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
