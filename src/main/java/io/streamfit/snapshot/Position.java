package io.streamfit.snapshot;

/**
 * Where training stands in one partition: the first example not yet trained on is example
 * {@code skip} of the record at {@code offset}. {@code skip} is non-zero only when a mini-batch
 * boundary fell inside a multi-example record. The Kafka offset committed with a snapshot is
 * {@code offset}, never beyond it.
 */
public record Position(long offset, int skip) {}
