package io.streamfit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.nn.ParamTensor;
import io.streamfit.optim.GradientClipper;
import io.streamfit.snapshot.SnapshotCodec;
import io.streamfit.snapshot.SnapshotFormatException;
import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SpecParser;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Per-tensor and value clipping, frozen layers, and pre-trained initialization. */
class ClippingAndFreezingTest {

    static ModelSpec spec(String extra, String optimizer) {
        return SpecParser.parse("""
                id: cf
                topic: t
                input_width: 3
                task: {type: classification, classes: 2}
                layers: [{type: dense, units: 5}, {type: tanh}, {type: layer_norm}, {type: dense, units: 2}]
                optimizer: %s
                batch_size: 4
                seed: 9
                %s
                """.formatted(optimizer, extra));
    }

    static Batch batch(float scale) {
        float[] x = new float[12];
        for (int i = 0; i < x.length; i++) {
            x[i] = scale * (float) Math.sin(i + 1.0);
        }
        return new Batch(4, 3, x, 1, new float[] {0, 1, 1, 0});
    }

    @Test
    void perTensorNormClipsEachTensorOnItsOwn() {
        INDArray flat = Nd4j.create(new float[] {3, 4, 0.3f, 0.4f}); // tensors of norm 5 and 0.5
        List<INDArray> tensors = List.of(flat.get(NDArrayIndex.interval(0, 2)),
                flat.get(NDArrayIndex.interval(2, 4)));
        GradientClipper.Decision d = GradientClipper.perTensorNorm(1.0, tensors).clip(flat);
        assertEquals(Math.sqrt(25 + 0.25), d.norm(), 1e-6, "the metric is the global norm before clipping");
        assertTrue(d.clipped());
        assertEquals(1f, d.scale());
        double c = 1.0 / (5 + 1e-6);
        assertArrayEquals(new float[] {(float) (3 * c), (float) (4 * c), 0.3f, 0.4f}, flat.toFloatVector(), 1e-7f);
    }

    @Test
    void valueClippingClampsElements() {
        INDArray flat = Nd4j.create(new float[] {-2, 0.05f, 0.5f, 3});
        GradientClipper.Decision d = GradientClipper.value(0.5).clip(flat);
        assertTrue(d.clipped());
        assertArrayEquals(new float[] {-0.5f, 0.05f, 0.5f, 0.5f}, flat.toFloatVector());
        assertFalse(GradientClipper.value(10).clip(flat).clipped(), "nothing over the bound, nothing clipped");
    }

    @Test
    void valueClippingReachesTheOptimizer() {
        ModelState s = ModelState.fresh(spec("gradient_clipping: {type: value, clip_value: 0.01}", "{type: sgd, lr: 1.0}"));
        float[] before = s.network().params().toFloatVector();
        StepResult r = s.train(batch(5));
        assertTrue(r.clipped(), "gradients of a batch scaled by 5 exceed 0.01");
        float[] grads = s.network().grads().toFloatVector();
        float[] after = s.network().params().toFloatVector();
        for (int i = 0; i < grads.length; i++) {
            assertTrue(Math.abs(grads[i]) <= 0.01f, "clamped gradient " + grads[i]);
            assertEquals(before[i] - grads[i], after[i], 1e-6, "SGD lr 1 stepped by the clamped gradient");
        }
        assertEquals(1, s.clippedSteps());
    }

    @Test
    void frozenLayersNeverChangeEvenWithDecayAndMomentum() {
        ModelState s = ModelState
                .fresh(spec("freeze: [\"0\", \"2.bias\"]", "{type: adamw, lr: 0.05, weight_decay: 0.5, amsgrad: true}"));
        Map<String, float[]> before = snapshot(s);
        double[] norms = new double[5];
        for (int t = 0; t < 5; t++) {
            norms[t] = s.train(batch(1 + t)).gradNorm();
        }
        Map<String, float[]> after = snapshot(s);
        for (String frozen : List.of("0.weight", "0.bias", "2.bias")) {
            assertArrayEquals(before.get(frozen), after.get(frozen), frozen + " is frozen");
        }
        for (String trained : List.of("2.weight", "3.weight", "3.bias")) {
            assertFalse(Arrays.equals(before.get(trained), after.get(trained)), trained + " is trained");
        }
        // Frozen tensors have no gradient (as with requires_grad=False), so clipping norms leave them out.
        for (ParamTensor t : s.network().tensors()) {
            if (t.name().startsWith("0.") || t.name().equals("2.bias")) {
                assertEquals(0.0, t.grad().norm2Number().doubleValue(), 0.0, t.name());
            }
        }
        assertEquals(Math.sqrt(Nd4j.getBlasWrapper().dot(s.network().grads(), s.network().grads())), norms[4], 1e-6);
    }

    @Test
    void pretrainedParametersLoadByNameAndShape() throws Exception {
        ModelState donor = ModelState.fresh(spec("", "{type: adam, lr: 0.05}"));
        for (int t = 0; t < 3; t++) {
            donor.train(batch(1));
        }
        byte[] bytes = SnapshotCodec.encode(donor, 1, Map.of());
        ModelState target = ModelState.fresh(spec("", "{type: sgd, lr: 0.1, momentum: 0.9}"));
        List<String> loaded = SnapshotCodec.initializeFrom(bytes, target, true, true);
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"), loaded,
                "parameters only: the optimizer differs, so its state starts fresh");
        assertArrayEquals(donor.network().params().toFloatVector(), target.network().params().toFloatVector());
        assertEquals(0, target.steps());

        // Another head (3 classes instead of 2): the shapes differ, which load_state_dict refuses.
        ModelSpec otherHead = SpecParser.parse(SpecParser.toJson(spec("", "{type: sgd}"))
                .replace("\"classes\":2", "\"classes\":3")
                .replace("{\"type\":\"dense\",\"units\":2}", "{\"type\":\"dense\",\"units\":3}"));
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                () -> SnapshotCodec.initializeFrom(bytes, ModelState.fresh(otherHead), false, false));
        assertTrue(e.getMessage().contains("tensor 3.weight is [2, 5] in the snapshot but [3, 5] in the spec"), e.getMessage());
    }

    private static Map<String, float[]> snapshot(ModelState s) {
        Map<String, float[]> out = new HashMap<>();
        for (ParamTensor t : s.network().tensors()) {
            out.put(t.name(), t.value().dup().data().asFloat());
        }
        return out;
    }
}
