package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamfit.spec.SpecException;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.Batch;
import io.streamfit.train.ModelState;
import io.streamfit.train.StepResult;
import java.util.List;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Batch norm in training mode against finite differences, and its running statistics in a model. */
class BatchNormTest {
    private static INDArray random(SplitMix64 rng, long... shape) {
        return TestTensors.random(rng, shape);
    }

    /** The training-mode output depends on the whole batch (through its statistics); so must the gradient. */
    @Test
    void trainingModeGradientsMatchFiniteDifferences() {
        SplitMix64 rng = new SplitMix64(5);
        BatchNorm bn = new BatchNorm(4, 1e-5, 0.1);
        Network net = new Network(List.of(bn), DataType.DOUBLE);
        net.tensors().get(0).value().assign(random(rng, 4).addi(1));
        net.tensors().get(1).value().assign(random(rng, 4));
        INDArray x = random(rng, 6, 4).muli(2).addi(0.5);
        INDArray r = random(rng, 6, 4);
        DoubleSupplier objective = () -> bn.forwardTraining(x, null, null).mul(r).sumNumber().doubleValue();
        INDArray y = bn.forwardTraining(x, null, null);
        INDArray dx = bn.backward(x, y, r, Nd4j.create(DataType.DOUBLE, 6, 4));
        INDArray dParams = net.grads().dup();
        INDArray numericDx = TestTensors.numericGradient(x, objective);
        INDArray numericParams = TestTensors.numericGradient(net.params(), objective);
        for (long i = 0; i < x.length(); i++) {
            assertEquals(numericDx.getDouble(i), dx.getDouble(i), 1e-6, "input gradient " + i);
        }
        for (long i = 0; i < dParams.length(); i++) {
            assertEquals(numericParams.getDouble(i), dParams.getDouble(i), 1e-6, "parameter gradient " + i);
        }
    }

    private static String spec(int batch) {
        return """
                id: bn
                topic: t
                input_width: 3
                task: {type: classification, classes: 2}
                layers: [{type: dense, units: 4}, {type: batch_norm}, {type: relu}, {type: dense, units: 2}]
                optimizer: {type: sgd, lr: 0.1}
                batch_size: %d
                """.formatted(batch);
    }

    @Test
    void runningStatisticsMoveOnlyWithAppliedStepsAndPredictionUsesThem() {
        ModelState s = ModelState.fresh(SpecParser.parse(spec(4)));
        float[] before = s.network().buffers().toFloatVector();
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 1, 1, 1, 0}, before, "running_mean 0, running_var 1, count 0");
        StepResult r = s.train(new Batch(4, 3, new float[] {1, 2, 3, 4, 5, 6, -1, 0, 2, 3, 3, 3}, 1, new float[] {0, 1, 0, 1}));
        assertTrue(r.smallBatchNorm(), "4 examples are too few for batch statistics: counted");
        float[] after = s.network().buffers().toFloatVector();
        assertEquals(1f, after[8], "num_batches_tracked");
        assertTrue(after[0] != 0 || after[1] != 0, "running mean moved");
        // A batch with a non-finite gradient is skipped: parameters and running statistics stay.
        StepResult bad = s
                .train(new Batch(4, 3, new float[] {1, Float.NaN, 3, 4, 5, 6, -1, 0, 2, 3, 3, 3}, 1, new float[] {0, 1, 0, 1}));
        assertTrue(bad.skipped());
        assertArrayEquals(after, s.network().buffers().toFloatVector(), "a skipped step leaves the statistics alone");
        // Prediction is deterministic and independent of the batch: one row alone predicts as in a batch.
        INDArray x = Nd4j.create(new float[][] {{1, 2, 3}, {0, 0, 1}});
        INDArray both = s.predict(x).output();
        INDArray first = s.predict(x.getRow(0, true)).output();
        assertEquals(both.getRow(0), first.getRow(0));
    }

    @Test
    void aBatchOfOneIsRefusedAtValidation() {
        SpecException e = Assertions.assertThrows(SpecException.class, () -> SpecParser.parse(spec(1)));
        assertEquals(List.of("batch_size must be >= 2 with batch_norm: the statistics of one example are meaningless "
                + "(PyTorch refuses it too); use layer_norm for batches of 1"), e.errors());
        assertTrue(!ModelState.fresh(SpecParser.parse(spec(16))).train(new Batch(16, 3, new float[48], 1, new float[16]))
                .smallBatchNorm(), "16 examples are enough");
    }
}
