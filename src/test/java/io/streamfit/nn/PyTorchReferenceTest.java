package io.streamfit.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamfit.Golden;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Loss and layer numbers against PyTorch's own, computed in float64 by
 * {@code src/test/python/golden_losses.py} (command in its header):
 * {@code CrossEntropyLoss(label_smoothing=eps)} values and gradients for eps 0, 0.1, 0.3 and 1,
 * {@code LayerNorm} outputs and input, weight and bias gradients, and {@code BatchNorm1d} over
 * three training steps (outputs, gradients, running statistics) and then in inference mode. Agreement to 1e-12
 * relative (both sides compute in double precision).
 */
class PyTorchReferenceTest {
    private static final JsonNode GOLDEN = Golden.load("losses.json");

    /** A golden file's rows as a float64 matrix. */
    static INDArray matrix(JsonNode rows) {
        double[][] m = new double[rows.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = new double[rows.get(i).size()];
            for (int j = 0; j < m[i].length; j++) {
                m[i][j] = rows.get(i).get(j).asDouble();
            }
        }
        return Nd4j.create(m);
    }

    private static INDArray vector(JsonNode v) {
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).asDouble();
        }
        return Nd4j.create(out);
    }

    /** Element by element within 1e-12 relative (absolute below 1). */
    static void assertClose(INDArray expected, INDArray actual, String what) {
        double[] e = expected.dup().data().asDouble();
        double[] a = actual.dup().data().asDouble();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-12 * Math.max(1, Math.abs(e[i])), what + "[" + i + "]");
        }
    }

    /** alpha * CE(hard, label smoothing) + (1 - alpha) * T^2 * KL(soft): PyTorch's composition, value and gradient, to 1e-12. */
    @Test
    void distillationIsTorchsCrossEntropyPlusKlDivComposition() {
        for (JsonNode c : GOLDEN.get("distillation")) {
            double alpha = c.get("alpha").asDouble();
            double t = c.get("temperature").asDouble();
            INDArray student = matrix(c.get("student"));
            double[] teacher = matrix(c.get("teacher")).data().asDouble();
            float[] targets = new float[c.get("targets").size()];
            for (int i = 0; i < targets.length; i++) {
                targets[i] = c.get("targets").get(i).asInt();
            }
            Distillation d = new Distillation(new SoftmaxCrossEntropy(c.get("label_smoothing").asDouble()), alpha, t);
            INDArray grad = Nd4j.create(DataType.DOUBLE, student.shape());
            Loss.Result r = d.evaluate(student, targets, teacher, grad);
            String what = "alpha " + alpha + ", T " + t;
            assertEquals(c.get("loss").asDouble(), r.lossSum() / targets.length, 1e-12, "loss at " + what);
            assertClose(matrix(c.get("grad")), grad, "gradient at " + what);
            // And the gradient is the loss's: central differences of the mean loss, step 1e-6.
            double[] z = student.data().asDouble();
            double[] analytic = grad.data().asDouble();
            for (int k = 0; k < z.length; k += 3) {
                double[] plus = z.clone();
                double[] minus = z.clone();
                plus[k] += 1e-6;
                minus[k] -= 1e-6;
                double numeric = (d.evaluate(Nd4j.create(plus, student.shape(), 'c'), targets, teacher, null).lossSum()
                        - d.evaluate(Nd4j.create(minus, student.shape(), 'c'), targets, teacher, null).lossSum())
                        / (2e-6 * targets.length);
                assertEquals(numeric, analytic[k], 1e-8, "finite difference at " + k + ", " + what);
            }
        }
    }

    @Test
    void crossEntropyWithLabelSmoothingIsTorchs() {
        for (JsonNode c : GOLDEN.get("cross_entropy")) {
            double eps = c.get("label_smoothing").asDouble();
            INDArray logits = matrix(c.get("logits"));
            float[] targets = new float[c.get("targets").size()];
            for (int i = 0; i < targets.length; i++) {
                targets[i] = c.get("targets").get(i).asInt();
            }
            INDArray grad = Nd4j.create(DataType.DOUBLE, logits.shape());
            Loss.Result r = new SoftmaxCrossEntropy(eps).evaluate(logits, targets, grad);
            assertEquals(c.get("loss").asDouble(), r.lossSum() / targets.length, 1e-12, "loss at label_smoothing " + eps);
            assertClose(matrix(c.get("grad")), grad, "gradient at label_smoothing " + eps);
        }
    }

    @Test
    void theSpecsLabelSmoothingReachesTheLoss() {
        JsonNode c = GOLDEN.get("cross_entropy").get(1);
        Loss loss = ModelFactory.loss(SpecParser.parse("""
                {"id":"ls","topic":"t","input_width":4,"task":{"type":"classification","classes":4},
                 "layers":[{"type":"dense","units":4}],"loss":{"type":"softmax_cross_entropy","label_smoothing":%s},
                 "optimizer":{"type":"sgd"},"batch_size":5}""".formatted(c.get("label_smoothing").asText())));
        float[] targets = {0, 3, 1, 1, 2};
        Loss.Result r = loss.evaluate(matrix(c.get("logits")), targets, null);
        assertEquals(c.get("loss").asDouble(), r.lossSum() / 5, 1e-12);
    }

    @Test
    void layerNormIsTorchs() {
        for (JsonNode c : GOLDEN.get("layer_norm")) {
            double eps = c.get("eps").asDouble();
            LayerNorm ln = new LayerNorm(6, eps);
            Network net = new Network(List.of(ln), DataType.DOUBLE);
            net.tensors().get(0).value().assign(vector(c.get("weight")));
            net.tensors().get(1).value().assign(vector(c.get("bias")));
            INDArray x = matrix(c.get("x"));
            INDArray y = ln.forward(x, Nd4j.create(DataType.DOUBLE, x.shape()));
            assertClose(matrix(c.get("y")), y, "output at eps " + eps);
            INDArray dx = Nd4j.create(DataType.DOUBLE, x.shape());
            INDArray returned = ln.backward(x, y, matrix(c.get("upstream")), dx);
            assertClose(matrix(c.get("dx")), returned, "input gradient at eps " + eps);
            assertClose(vector(c.get("dweight")), net.tensors().get(0).grad(), "weight gradient at eps " + eps);
            assertClose(vector(c.get("dbias")), net.tensors().get(1).grad(), "bias gradient at eps " + eps);
        }
    }

    @Test
    void batchNormIsTorchs() {
        for (JsonNode c : GOLDEN.get("batch_norm")) {
            String at = "eps " + c.get("eps").asDouble() + " momentum " + c.get("momentum").asDouble();
            BatchNorm bn = new BatchNorm(5, c.get("eps").asDouble(), c.get("momentum").asDouble());
            Network net = new Network(List.of(bn), DataType.DOUBLE);
            net.initialize(new SplitMix64(0));
            net.tensors().get(0).value().assign(vector(c.get("weight")));
            net.tensors().get(1).value().assign(vector(c.get("bias")));
            int step = 0;
            for (JsonNode st : c.get("steps")) {
                step++;
                INDArray x = matrix(st.get("x"));
                INDArray y = bn.forwardTraining(x, Nd4j.create(DataType.DOUBLE, x.shape()), null);
                assertClose(matrix(st.get("y")), y, "training output, step " + step + ", " + at);
                INDArray dx = bn.backward(x, y, matrix(st.get("upstream")), Nd4j.create(DataType.DOUBLE, x.shape()));
                assertClose(matrix(st.get("dx")), dx, "input gradient, step " + step + ", " + at);
                assertClose(vector(st.get("dweight")), net.tensors().get(0).grad(), "weight gradient, step " + step);
                assertClose(vector(st.get("dbias")), net.tensors().get(1).grad(), "bias gradient, step " + step);
                bn.commitTrainingStep();
                assertClose(vector(st.get("running_mean")), net.bufferTensors().get(0).value(), "running_mean, step " + step);
                assertClose(vector(st.get("running_var")), net.bufferTensors().get(1).value(), "running_var, step " + step);
                assertEquals(st.get("num_batches_tracked").asDouble(), net.bufferTensors().get(2).value().getDouble(0));
            }
            assertClose(matrix(c.get("eval_y")), net.predict(matrix(c.get("eval_x"))), "inference output, " + at);
        }
    }
}
