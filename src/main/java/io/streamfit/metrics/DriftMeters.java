package io.streamfit.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.streamfit.train.DriftWatch;
import java.util.List;

/**
 * A model's drift meters, registered when its spec has a {@code drift} section: the alarms
 * (labelled with the detector and the signal it watches) and when the last one was raised, in
 * seconds since the epoch, a series Grafana draws as annotations
 * ({@code changes(streamfit_drift_last_alarm_timestamp_seconds[$__interval]) > 0}). Counted on
 * the training thread; alarms restored from a snapshot are not counted again.
 */
final class DriftMeters {
    private final Counter alarms;
    private volatile double lastAlarm = Double.NaN;

    DriftMeters(MeterRegistry registry, Tags tags, DriftWatch watch, List<Meter> meters) {
        alarms = Counter.builder(MetricNames.DRIFT_ALARMS)
                .description("Drift alarms the model's detector raised on its prequential signal")
                .tags(tags.and("detector", watch.detectorType(), "signal", watch.signal()))
                .register(registry);
        meters.add(alarms);
        meters.add(Gauge.builder(MetricNames.DRIFT_LAST_ALARM, this, m -> m.lastAlarm)
                .description("When the model's drift detector last raised an alarm (NaN before the first since the start)")
                .baseUnit("seconds").tags(tags).register(registry));
    }

    void alarm() {
        alarms.increment();
        lastAlarm = System.currentTimeMillis() / 1000.0;
    }
}
