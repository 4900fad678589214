package io.streamfit.cli;

import io.streamfit.data.Examples;
import io.streamfit.data.RecordDecoder;
import io.streamfit.data.RejectedRecordException;
import io.streamfit.nn.Loss;
import io.streamfit.train.ModelFactory;
import io.streamfit.train.ModelState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@code train --test}: a trained model scored on held-out records, as the service would decode them. */
final class TestSet {
    private TestSet() {}

    /** Loss and accuracy on {@code test}, in inference mode, in chunks of up to 1024 examples. */
    static Map<String, Object> evaluate(Path test, ModelState state, RecordDecoder decoder) throws TrainCommand.Failure {
        Loss loss = ModelFactory.loss(state.spec());
        double lossSum = 0;
        long correct = 0;
        long judged = 0;
        long examples = 0;
        long rejected = 0;
        List<Examples> chunk = new ArrayList<>();
        int chunkSize = 0;
        try (BufferedReader in = Files.newBufferedReader(test, StandardCharsets.UTF_8)) {
            String line;
            while (true) {
                line = in.readLine();
                if (line != null) {
                    try {
                        Examples ex = decoder.decode(line.getBytes(StandardCharsets.UTF_8));
                        chunk.add(ex);
                        chunkSize += ex.count();
                    } catch (RejectedRecordException e) {
                        rejected++;
                    }
                }
                if (chunkSize >= 1024 || (line == null && chunkSize > 0)) {
                    Loss.Result r = score(state, loss, chunk, chunkSize);
                    lossSum += r.lossSum();
                    correct += r.correct();
                    judged += r.judged();
                    examples += chunkSize;
                    chunk.clear();
                    chunkSize = 0;
                }
                if (line == null) {
                    break;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw new TrainCommand.Failure(1, "cannot read --test " + test + ": " + e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("test_examples", examples);
        out.put("test_rejected_records", rejected);
        out.put("test_loss", examples == 0 ? null : lossSum / examples);
        out.put("test_accuracy", judged == 0 ? null : (double) correct / judged);
        return out;
    }

    private static Loss.Result score(ModelState state, Loss loss, List<Examples> chunk, int n) {
        int width = chunk.get(0).width();
        int tw = chunk.get(0).targetWidth();
        float[] x = new float[n * width];
        float[] y = new float[n * tw];
        int at = 0;
        for (Examples ex : chunk) {
            System.arraycopy(ex.x(), 0, x, at * width, ex.count() * width);
            System.arraycopy(ex.y(), 0, y, at * tw, ex.count() * tw);
            at += ex.count();
        }
        INDArray input = Nd4j.create(x, new long[] {n, width}, 'c');
        INDArray output = state.predict(input).output();
        return loss.evaluate(output, y, Nd4j.create(DataType.FLOAT, n, output.columns()));
    }

}
