package io.streamfit.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamfit.nn.SplitMix64;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one-pass writer the snapshot codec uses writes exactly the bytes of the two-pass one. */
class SafetensorsWriteTest {
    @Test
    void writeDirectEqualsTheTwoPassWriterForHeapDirectAndOffsetBuffers() throws Exception {
        SplitMix64 rng = new SplitMix64(13);
        float[] heap = new float[1000];
        for (int i = 0; i < heap.length; i++) {
            heap[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        // As ND4J hands out its buffers: direct, native order, tensors as slices at offsets.
        FloatBuffer direct = ByteBuffer.allocateDirect(4 * 600).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < 600; i++) {
            direct.put(i, Float.intBitsToFloat((int) rng.nextLong()));
        }
        FloatBuffer offset = direct.duplicate();
        offset.position(100);
        List<Safetensors.Tensor> tensors = List.of(
                new Safetensors.Tensor("0.weight", new long[] {10, 50}, FloatBuffer.wrap(heap, 300, 500).slice()),
                new Safetensors.Tensor("0.bias", new long[] {100}, direct.duplicate()),
                new Safetensors.Tensor("optimizer.0.weight.exp_avg", new long[] {5, 100}, offset.slice()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("a", "1");
        meta.put("format", "test");

        byte[] direct1 = Safetensors.writeDirect(tensors, meta);
        byte[] twoPass = Safetensors.write(tensors, Safetensors.dataSection(tensors), meta);

        assertArrayEquals(twoPass, direct1);
        assertEquals(8 + ByteBuffer.wrap(twoPass).order(ByteOrder.LITTLE_ENDIAN).getLong(0), Safetensors.dataStart(direct1));
        Safetensors.Contents c = Safetensors.read(direct1);
        assertEquals(heap[300 + 499], c.tensors().get("0.weight").data().get(499));
        assertEquals(Float.floatToRawIntBits(direct.get(100 + 499)),
                Float.floatToRawIntBits(c.tensors().get("optimizer.0.weight.exp_avg").data().get(499)));
    }
}
