package io.streamfit.snapshot;

import io.streamfit.spec.ModelSpec;
import io.streamfit.spec.SearchSpecs;
import io.streamfit.spec.SpecParser;
import io.streamfit.train.ModelState;
import io.streamfit.train.SearchRun;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A search's snapshot: the whole {@link SearchRun} in one safetensors file, so that a rollback or
 * a restart goes on with every trial where it was, exactly once with the offsets it covers.
 *
 * <p>The lead ({@link SearchRun#lead()}) is the file's own model, its tensors unprefixed, so a
 * search snapshot downloads and loads ({@code load_state_dict}, {@code pretrained}) like any
 * other. Every other live trial {@code n} is under {@code trial.<n>.}, its tensors and its own
 * metadata entries ({@link SnapshotCodec#encode(ModelState, long, Map, Map, Map, Map)}). Three
 * entries hold the rest: {@code search_state} ({@link SearchRun#progress()}: the trials, their
 * tallies and windows, the stage, the sampler's generator), {@code search_lead} (the lead's trial
 * number) and {@code search_spec} (the spec the search runs, to tell whether a restored search is
 * still the one asked for).
 */
public final class SearchSnapshots {
    static final String LEAD = "search_lead";
    static final String SPEC = "search_spec";

    private SearchSnapshots() {}

    /** Call on the training thread, as {@link SnapshotCodec#encode}. */
    public static byte[] encode(SearchRun run, ModelSpec spec, long version, Map<Integer, Position> positions,
            Map<Integer, Long> consumed) {
        int lead = run.leadTrial();
        Map<String, ModelState> others = new LinkedHashMap<>();
        run.liveTrials().forEach((n, state) -> {
            if (n != lead) {
                others.put(prefix(n), state);
            }
        });
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(SnapshotCodec.SEARCH_STATE, run.progress());
        extra.put(LEAD, Integer.toString(lead));
        extra.put(SPEC, SpecParser.toJson(spec));
        return SnapshotCodec.encode(run.lead(), version, positions, consumed, extra, others);
    }

    /**
     * The search {@code file} holds, for the model {@code spec} declares; a new search when there
     * is no file, or when the file holds no search or another one (the spec changed since: the
     * new search starts where the stream is, from its own initializers).
     *
     * @throws SnapshotFormatException if the file's search state or a trial's model is damaged
     */
    public static SearchRun restore(byte[] file, ModelSpec spec) throws SnapshotFormatException {
        SearchSpecs.Plan plan = spec.search();
        if (plan == null) {
            throw new IllegalArgumentException("model " + spec.id() + " does not run a search");
        }
        if (file == null) {
            return new SearchRun(plan);
        }
        Map<String, String> meta = SnapshotCodec.metadata(file);
        if (!meta.containsKey(SnapshotCodec.SEARCH_STATE) || !SpecParser.toJson(spec).equals(meta.get(SPEC))) {
            return new SearchRun(plan);
        }
        int lead;
        try {
            lead = Integer.parseInt(meta.get(LEAD));
        } catch (NumberFormatException e) {
            throw new SnapshotFormatException("metadata " + LEAD + " is not a trial number: " + meta.get(LEAD));
        }
        try {
            return SearchRun.restore(plan, meta.get(SnapshotCodec.SEARCH_STATE), live -> {
                Map<String, ModelSpec> specs = new LinkedHashMap<>();
                live.forEach((n, trialSpec) -> specs.put(n == lead ? "" : prefix(n), trialSpec));
                Map<String, ModelState> decoded = decode(file, spec, specs);
                Map<Integer, ModelState> states = new LinkedHashMap<>();
                live.keySet().forEach(n -> states.put(n, decoded.get(n == lead ? "" : prefix(n))));
                return states;
            });
        } catch (IllegalArgumentException e) {
            throw new SnapshotFormatException("snapshot's search is malformed: " + e.getMessage());
        }
    }

    private static Map<String, ModelState> decode(byte[] file, ModelSpec spec, Map<String, ModelSpec> specs) {
        try {
            return SnapshotCodec.decodePrefixed(file, spec, specs);
        } catch (SnapshotFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Where trial {@code n}'s tensors and metadata entries are. */
    static String prefix(int n) {
        return "trial." + n + ".";
    }
}
