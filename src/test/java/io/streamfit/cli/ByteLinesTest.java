package io.streamfit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link ByteLines} splits exactly as {@link BufferedReader#readLine} does, across any read sizes. */
class ByteLinesTest {
    @Test
    void splitsAsReadLineDoesOverGeneratedTexts() throws IOException {
        SplittableRandom rng = new SplittableRandom(13);
        String[] ends = {"\n", "\r", "\r\n", "\n\n", "\r\r\n"};
        for (int c = 0; c < 2_000; c++) {
            StringBuilder text = new StringBuilder();
            int lines = rng.nextInt(0, 12);
            for (int l = 0; l < lines; l++) {
                int len = rng.nextInt(0, 40);
                for (int k = 0; k < len; k++) {
                    text.append((char) rng.nextInt('0', '}'));
                }
                if (l < lines - 1 || rng.nextBoolean()) {
                    text.append(ends[rng.nextInt(ends.length)]);
                }
            }
            List<String> expected = new BufferedReader(new StringReader(text.toString())).lines().toList();
            byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
            List<String> actual = new ArrayList<>();
            ByteLines it = new ByteLines(new Trickle(new ByteArrayInputStream(bytes), rng.split()), 1 << 20);
            while (it.hasNext()) {
                actual.add(new String(it.next(), StandardCharsets.US_ASCII));
            }
            assertEquals(expected, actual, "case " + c + ": " + text.toString().replace("\r", "\\r").replace("\n", "\\n"));
        }
    }

    @Test
    void aLineLongerThanTheReadBufferIsWhole() {
        byte[] longLine = new byte[3 << 20];
        Arrays.fill(longLine, (byte) '7');
        byte[] text = (new String(longLine, StandardCharsets.US_ASCII) + "\nshort\n").getBytes(StandardCharsets.US_ASCII);
        ByteLines it = new ByteLines(new ByteArrayInputStream(text), 4 << 20);
        assertArrayEquals(longLine, it.next());
        assertArrayEquals("short".getBytes(StandardCharsets.US_ASCII), it.next());
        assertFalse(it.hasNext());
    }

    @Test
    void aLineOverTheBoundIsRefusedByNumber() {
        byte[] text = "ok\n0123456789012345678901234567890123456789\n".getBytes(StandardCharsets.US_ASCII);
        ByteLines it = new ByteLines(new ByteArrayInputStream(text), 16);
        assertArrayEquals("ok".getBytes(StandardCharsets.US_ASCII), it.next());
        UncheckedIOException e = assertThrows(UncheckedIOException.class, it::next);
        assertTrue(e.getCause().getMessage().contains("line 2 is longer than 16 bytes"), e.getCause().getMessage());
    }

    /** Hands out 1 to 7 bytes per read, so line ends and \r\n pairs straddle reads. */
    private static final class Trickle extends FilterInputStream {
        private final SplittableRandom rng;

        Trickle(InputStream in, SplittableRandom rng) {
            super(in);
            this.rng = rng;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, rng.nextInt(1, 8)));
        }
    }
}
