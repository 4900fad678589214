package io.streamfit.stream;

import io.streamfit.data.DecodeAhead;
import io.streamfit.files.PretrainedFiles;
import java.time.Duration;

/**
 * What a {@link ModelRunner} needs besides the spec. {@code groupPrefix}: the prefix of the
 * model's consumer group and transactional id; {@code progressInterval}: how often the progress
 * line is logged; {@code maxTransactionOpen}: the longest a transaction (with dead letters) stays
 * open before a snapshot closes it; {@code pretrainedFiles}: which {@code pretrained.file} sources
 * may be read (none without it); {@code decodeAheadBytes}: the bound of {@link DecodeAhead},
 * 0 = decode on the training thread.
 */
public record RunnerSettings(String groupPrefix, Duration pollTimeout, Duration progressInterval, Duration maxTransactionOpen,
        PretrainedFiles pretrainedFiles, long decodeAheadBytes) {
    /** Decoding ahead within the default bound. */
    public RunnerSettings(String groupPrefix, Duration pollTimeout, Duration progressInterval, Duration maxTransactionOpen,
            PretrainedFiles pretrainedFiles) {
        this(groupPrefix, pollTimeout, progressInterval, maxTransactionOpen, pretrainedFiles,
                DecodeAhead.DEFAULT_MAX_AHEAD_BYTES);
    }

    public RunnerSettings(String groupPrefix, Duration pollTimeout, Duration progressInterval, Duration maxTransactionOpen) {
        this(groupPrefix, pollTimeout, progressInterval, maxTransactionOpen, PretrainedFiles.none(0));
    }
}
