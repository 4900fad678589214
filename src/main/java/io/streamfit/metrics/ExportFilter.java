package io.streamfit.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import java.util.Map;
import java.util.Set;

/**
 * Makes what the frameworks' binders register pass {@code promtool check metrics}, so the scrape
 * an operator lints is clean (checked by {@code DashboardIT}):
 * <ul>
 *   <li>drops {@code process.cpu.time} ({@code process_cpu_time_ns_total}: an abbreviated unit;
 *       {@code process_cpu_usage} says the same) and {@code system.cpu.count}
 *       ({@code system_cpu_count}: a gauge with a {@code _count} suffix, which Prometheus reserves
 *       for histograms and summaries);</li>
 *   <li>gives meters registered without a description one ({@link #HELP});</li>
 *   <li>replaces double quotes in descriptions, which the Prometheus client escapes as
 *       {@code \"}, an escape the text format does not have in help text.</li>
 * </ul>
 * The Netty binder, whose meters have no descriptions at all, is off in
 * {@code application.properties}.
 */
public final class ExportFilter implements MeterFilter {
    private static final Set<String> DROPPED = Set.of("process.cpu.time", "system.cpu.count");
    /** Help text for framework meters registered without one. */
    static final Map<String, String> HELP = Map.of("http.server.active.requests", "HTTP requests being served now");

    @Override
    public MeterFilterReply accept(Meter.Id id) {
        return DROPPED.contains(id.getName()) ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        String d = id.getDescription();
        String fixed = d == null || d.isBlank() ? HELP.get(id.getName()) : d.replace('"', '\'');
        if (fixed == null || fixed.equals(d)) {
            return id;
        }
        return new Meter.Id(id.getName(), Tags.of(id.getTags()), id.getBaseUnit(), fixed,
                id.getType());
    }
}
