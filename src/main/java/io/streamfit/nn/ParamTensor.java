package io.streamfit.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One named parameter tensor of a {@link Network}: its PyTorch {@code state_dict} name
 * ({@code "0.weight"}), its shape, where it lies in the flat buffers, and views of the parameter
 * and its gradient.
 */
public record ParamTensor(String name, long[] shape, long offset, long length, INDArray value, INDArray grad) {}
