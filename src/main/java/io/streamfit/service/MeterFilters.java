package io.streamfit.service;

import io.micrometer.core.instrument.config.MeterFilter;
import io.streamfit.metrics.ExportFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Hands streamfit's {@link ExportFilter} to Quarkus, which applies CDI-produced meter filters to every registry. */
@Singleton
public class MeterFilters {
    @Produces
    @Singleton
    MeterFilter exportFilter() {
        return new ExportFilter();
    }
}
