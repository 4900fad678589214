package io.streamfit.metrics;

/**
 * Every metric streamfit exports, in Micrometer's dotted form, and the Prometheus name it is
 * scraped as. Dashboards, alerts and tests refer to the Prometheus names.
 */
public final class MetricNames {
    private MetricNames() {}

    /** {@code streamfit_examples_trained_total} */
    public static final String EXAMPLES_TRAINED = "streamfit.examples.trained";
    /** {@code streamfit_batches_trained_total} */
    public static final String BATCHES_TRAINED = "streamfit.batches.trained";
    /** {@code streamfit_prequential_loss} */
    public static final String PREQUENTIAL_LOSS = "streamfit.prequential.loss";
    /** {@code streamfit_prequential_accuracy_ratio} */
    public static final String PREQUENTIAL_ACCURACY = "streamfit.prequential.accuracy";
    /** {@code streamfit_gradient_norm} */
    public static final String GRADIENT_NORM = "streamfit.gradient.norm";
    /** {@code streamfit_gradient_clipped_steps_total} */
    public static final String GRADIENT_CLIPPED_STEPS = "streamfit.gradient.clipped.steps";
    /** {@code streamfit_gradient_skipped_steps_total} */
    public static final String GRADIENT_SKIPPED_STEPS = "streamfit.gradient.skipped.steps";
    /** {@code streamfit_learning_rate} */
    public static final String LEARNING_RATE = "streamfit.learning.rate";
    /** {@code streamfit_loss_sharpness} */
    public static final String LOSS_SHARPNESS = "streamfit.loss.sharpness";
    /** {@code streamfit_step_duration_seconds} (histogram) */
    public static final String STEP_DURATION = "streamfit.step.duration";
    /** {@code streamfit_snapshot_version} */
    public static final String SNAPSHOT_VERSION = "streamfit.snapshot.version";
    /** {@code streamfit_snapshot_bytes} */
    public static final String SNAPSHOT_BYTES = "streamfit.snapshot";
    /**
     * {@code streamfit_snapshot_duration_seconds} (histogram): how long training stopped for one
     * committed snapshot (waiting for the commit before it, if any, encoding it and handing it to
     * the commit thread)
     */
    public static final String SNAPSHOT_DURATION = "streamfit.snapshot.duration";
    /**
     * {@code streamfit_snapshot_commit_duration_seconds} (histogram): how long the commit thread
     * took for one committed snapshot (send, offsets and the transaction's commit), while
     * training went on
     */
    public static final String SNAPSHOT_COMMIT_DURATION = "streamfit.snapshot.commit.duration";
    /** {@code streamfit_snapshot_age_seconds} */
    public static final String SNAPSHOT_AGE = "streamfit.snapshot.age";
    /** {@code streamfit_snapshots_published_total} */
    public static final String SNAPSHOTS_PUBLISHED = "streamfit.snapshots.published";
    /** {@code streamfit_records_rejected_total} (tag {@code reason}) */
    public static final String RECORDS_REJECTED = "streamfit.records.rejected";
    /** {@code streamfit_consumer_lag_records} */
    public static final String CONSUMER_LAG = "streamfit.consumer.lag";
    /** {@code streamfit_batch_norm_small_batch_steps_total} */
    public static final String BATCH_NORM_SMALL_BATCHES = "streamfit.batch.norm.small.batch.steps";
    /** {@code streamfit_transaction_rollbacks_total} */
    public static final String ROLLBACKS = "streamfit.transaction.rollbacks";
    /** {@code streamfit_divergence_rollbacks_total} */
    public static final String DIVERGENCE_ROLLBACKS = "streamfit.divergence.rollbacks";
    /** {@code streamfit_learning_rate_scale} (the divergence guard's factor on the schedule, 1 = none) */
    public static final String LEARNING_RATE_SCALE = "streamfit.learning.rate.scale";
    /** {@code streamfit_examples_not_trained_total} (tag {@code reason}: {@code held_out}, {@code paused}) */
    public static final String EXAMPLES_NOT_TRAINED = "streamfit.examples.not.trained";
    /** {@code streamfit_validation_loss} */
    public static final String VALIDATION_LOSS = "streamfit.validation.loss";
    /** {@code streamfit_validation_best_loss} */
    public static final String VALIDATION_BEST_LOSS = "streamfit.validation.best.loss";
    /** {@code streamfit_training_paused} (1 while early stopping pauses updates) */
    public static final String TRAINING_PAUSED = "streamfit.training.paused";
    /** {@code streamfit_early_stopping_events_total} (tag {@code event}: {@code pause}, {@code resume}, {@code best}) */
    public static final String EARLY_STOPPING_EVENTS = "streamfit.early.stopping.events";
    /** {@code streamfit_model_failed} (1 once the model stopped in the FAILED phase; its status says why) */
    public static final String MODEL_FAILED = "streamfit.model.failed";
    /** {@code streamfit_model_phase} (tag {@code phase}: 1 for the runner's phase, 0 for the others) */
    public static final String MODEL_PHASE = "streamfit.model.phase";
    /** {@code streamfit_records_consumed_total}: records taken for training, trained or dead-lettered */
    public static final String RECORDS_CONSUMED = "streamfit.records.consumed";
    /** {@code streamfit_transaction_consecutive_failures}: failed snapshot transactions since the last commit */
    public static final String TRANSACTION_FAILURES_IN_A_ROW = "streamfit.transaction.consecutive.failures";
    /** {@code streamfit_examples_uncommitted}: examples trained since the last committed snapshot */
    public static final String EXAMPLES_UNCOMMITTED = "streamfit.examples.uncommitted";
    /** {@code streamfit_native_memory_bytes}: resident memory that is not the JVM's (ND4J's arrays and the like) */
    public static final String NATIVE_MEMORY = "streamfit.native.memory";
    /** {@code streamfit_process_resident_memory_bytes}: the process' resident set (heap, native, code) */
    public static final String RESIDENT_MEMORY = "streamfit.process.resident.memory";
    /** {@code streamfit_search_trials_started}: trials a search started, challengers included */
    public static final String SEARCH_TRIALS_STARTED = "streamfit.search.trials.started";
    /** {@code streamfit_search_compute_examples}: examples trained over all trials until the winner was chosen */
    public static final String SEARCH_COMPUTE_EXAMPLES = "streamfit.search.compute.examples";
    /** {@code streamfit_search_done}: 1 once the search chose its winner */
    public static final String SEARCH_DONE = "streamfit.search.done";
    /** {@code streamfit_search_promotions}: continuous mode's challengers that replaced the winner */
    public static final String SEARCH_PROMOTIONS = "streamfit.search.promotions";
    /**
     * {@code streamfit_search_slot_*} (tag {@code slot}: a rank of the leaderboard, 1 the winner or
     * the best so far, at most the search's trials): the trial there, its score, examples and
     * whether it trains
     */
    public static final String SEARCH_SLOT_TRIAL = "streamfit.search.slot.trial";
    public static final String SEARCH_SLOT_SCORE = "streamfit.search.slot.score";
    public static final String SEARCH_SLOT_EXAMPLES = "streamfit.search.slot.examples";
    public static final String SEARCH_SLOT_TRAINING = "streamfit.search.slot.training";
    /** {@code streamfit_drift_alarms_total} (tags {@code detector}, {@code signal}): drift alarms raised */
    public static final String DRIFT_ALARMS = "streamfit.drift.alarms";
    /** {@code streamfit_drift_last_alarm_timestamp_seconds}: when the last drift alarm was raised */
    public static final String DRIFT_LAST_ALARM = "streamfit.drift.last.alarm.timestamp";
}
