package io.streamfit.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.train.ModelState;
import io.streamfit.train.PrequentialWindow;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** The prequential window's batches in snapshot metadata: exact, strict, and compatible with older snapshots. */
class WindowMetadataTest {

    @Test
    void snapshotOfThePreviousFormatRestoresItsSumsAsOneEntry() throws Exception {
        ModelState s = SnapshotCodecTest.trained(5);
        PrequentialWindow.Totals t = s.window().totals();
        byte[] old = withMetadata(SnapshotCodec.encode(s, 1, Map.of()), m -> m.remove(WindowMetadata.KEY));
        ModelState r = SnapshotCodec.decode(old, SnapshotCodecTest.SPEC);
        assertEquals(List.of(new PrequentialWindow.Entry(t.lossSum(), t.correct(), t.judged(), t.examples())),
                r.window().entries());
    }

    @Test
    void malformedBatchesAreRefusedNamingTheElement() throws Exception {
        byte[] file = SnapshotCodec.encode(SnapshotCodecTest.trained(3), 1, Map.of());
        String good = SnapshotCodec.metadata(file).get(WindowMetadata.KEY);
        assertTrue(good.startsWith("{\"loss_sum\":[\""), good);
        Map<String, String> cases = Map.of(
                good.replaceFirst("\"correct\":\\[\\d+", "\"correct\":[-1"), "correct[0] is not a non-negative 64-bit integer",
                good.replaceFirst("\"judged\":\\[\\d+", "\"judged\":[18446744073709551619"),
                "judged[0] is not a non-negative 64-bit integer",
                good.replaceFirst("\"examples\":\\[\\d+,", "\"examples\":["),
                "needs arrays loss_sum, correct, judged and examples of one length",
                good.replaceFirst("\"loss_sum\":\\[\"[^\"]+\"", "\"loss_sum\":[\"x\""), "loss_sum[0] is not a number");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            byte[] bad = withMetadata(file, m -> m.put(WindowMetadata.KEY, c.getKey()));
            SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                    () -> SnapshotCodec.decode(bad, SnapshotCodecTest.SPEC));
            assertEquals("metadata prequential_window_batches is not valid: " + c.getValue(), e.getMessage());
        }
    }

    /** Rewrites a snapshot's metadata and signs it again, as an older or a damaged writer would have. */
    static byte[] withMetadata(byte[] file, Consumer<Map<String, String>> change) throws Exception {
        Safetensors.Contents c = Safetensors.read(file);
        List<Safetensors.Tensor> tensors = new ArrayList<>(c.tensors().values());
        byte[] data = Safetensors.dataSection(tensors);
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        change.accept(meta);
        meta.remove(SnapshotCodec.CRC_KEY);
        CRC32C crc = new CRC32C();
        crc.update(data);
        new TreeMap<>(meta).forEach((k, v) -> crc.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8)));
        meta.put(SnapshotCodec.CRC_KEY, String.format("%08x", crc.getValue()));
        return Safetensors.write(tensors, data, meta);
    }
}
