package io.streamfit.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Numbers read back from a snapshot (issue 12, item 1): header lengths, shapes, offsets and the
 * numbers inside metadata strings are taken only when exact; anything a long or an int cannot
 * hold, a fraction where a count belongs, or a shape whose byte size overflows is a
 * {@link SnapshotFormatException}, never a silently truncated value. The CRC is recomputed in
 * these tests, as a hostile writer would.
 */
class SnapshotNumbersTest {
    /** A safetensors file of one tensor whose header entry is {@code entry}, with {@code data} bytes of data. */
    private static byte[] file(String entry, int data) {
        byte[] json = ("{\"t\":" + entry + "}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        return b.array();
    }

    private static String refusal(String entry, int data) {
        return assertThrows(SnapshotFormatException.class, () -> Safetensors.read(file(entry, data))).getMessage();
    }

    @Test
    void aPlainTensorIsRead() throws Exception {
        Safetensors.Contents c = Safetensors.read(file("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8));
        assertEquals(2, c.tensors().get("t").elements());
    }

    @Test
    void shapesAndOffsetsMustBeExactIntegers() {
        // 2^64 + 2 used to be read as 2 (asLong truncates), 2.5 as 2 and "2" as 2
        for (String shape : new String[] {"[18446744073709551618]", "[2.5]", "[\"2\"]", "[-2]", "[true]"}) {
            String m = refusal("{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,8]}", 8);
            assertTrue(m.contains("tensor t"), m);
        }
        for (String offsets : new String[] {"[18446744073709551616,18446744073709551624]", "[0.0,8]", "[0,\"8\"]"}) {
            String m = refusal("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":" + offsets + "}", 8);
            assertTrue(m.contains("tensor t"), m);
        }
    }

    @Test
    void aShapeWhoseByteSizeOverflowsIsRefused() {
        // 2^62 + 1 elements: 4 * elements wraps around to 4, which used to match data_offsets [0, 4]
        String m = refusal("{\"dtype\":\"F32\",\"shape\":[4611686018427387905],\"data_offsets\":[0,4]}", 4);
        assertTrue(m.contains("tensor t"), m);
        m = refusal("{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}", 0);
        assertTrue(m.contains("tensor t"), m);
    }

    @Test
    void metadataPositionsAndConsumedMustBeExact() throws Exception {
        assertThrows(SnapshotFormatException.class,
                () -> LineageMetadata.positions("{\"0\":{\"offset\":18446744073709551626,\"skip\":0}}"));
        assertThrows(SnapshotFormatException.class,
                () -> LineageMetadata.positions("{\"0\":{\"offset\":10,\"skip\":4294967297}}"));
        assertThrows(SnapshotFormatException.class, () -> LineageMetadata.positions("{\"0\":{\"offset\":10.5,\"skip\":0}}"));
        assertThrows(SnapshotFormatException.class, () -> LineageMetadata.positions("{\"0\":{\"offset\":\"x\",\"skip\":0}}"));
        assertThrows(SnapshotFormatException.class,
                () -> LineageMetadata.positions("{\"4294967296\":{\"offset\":10,\"skip\":0}}"));
        assertThrows(SnapshotFormatException.class, () -> LineageMetadata.consumed("{\"0\":\"abc\"}"));
        assertThrows(SnapshotFormatException.class, () -> LineageMetadata.consumed("{\"0\":18446744073709551626}"));
        assertEquals(Map.of(0, new Position(10, 2)), LineageMetadata.positions("{\"0\":{\"offset\":10,\"skip\":2}}"));
        assertEquals(Map.of(3, 7L), LineageMetadata.consumed("{\"3\":7}"));
    }

    private static final ModelSpec SPEC = SpecParser.parse("""
            id: nums
            topic: t
            input_width: 2
            task: {type: classification, classes: 2}
            layers: [{type: dense, units: 2}]
            optimizer: {type: sgd, lr: 0.1}
            batch_size: 2
            early_stopping: {holdout_every: 3, check_batches: 2, patience: 2}
            """);

    /** The file with {@code key}'s metadata replaced (removed for null) and the checksum recomputed. */
    private static byte[] withMetadata(byte[] file, String key, String value) throws Exception {
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        if (value == null) {
            meta.remove(key);
        } else {
            meta.put(key, value);
        }
        int start = 8 + c.headerLength();
        byte[] data = Arrays.copyOfRange(file, start, file.length);
        meta.put(SnapshotCodec.CRC_KEY, SnapshotCodec.crc(data, meta));
        return Safetensors.write(new ArrayList<>(c.tensors().values()), data, meta);
    }

    @Test
    void windowAndEarlyStoppingCountsMustBeExact() throws Exception {
        byte[] file = SnapshotCodec.encode(ModelState.fresh(SPEC), 1, Map.of());
        SnapshotCodec.decode(withMetadata(file, "version", "1"), SPEC); // the re-signing itself is accepted
        String window = SnapshotCodec.metadata(file).get("prequential_window");
        // The window's sums alone are what snapshots written before prequential_window_batches hold.
        byte[] older = withMetadata(file, "prequential_window_batches", null);
        SnapshotCodec.decode(older, SPEC);
        for (String bad : new String[] {"18446744073709551621", "2.5", "\"5\""}) {
            byte[] w = withMetadata(older, "prequential_window", window.replaceFirst("\"examples\":\\d+", "\"examples\":" + bad));
            assertThrows(SnapshotFormatException.class, () -> SnapshotCodec.decode(w, SPEC), bad);
        }
        String es = SnapshotCodec.metadata(file).get("early_stopping");
        assertTrue(es.startsWith("{\"batches\":0,"), es);
        for (String bad : new String[] {"1.5", "18446744073709551616"}) {
            byte[] e = withMetadata(file, "early_stopping", es.replaceFirst("\"batches\":0", "\"batches\":" + bad));
            assertThrows(SnapshotFormatException.class, () -> SnapshotCodec.decode(e, SPEC), bad);
        }
    }
}
