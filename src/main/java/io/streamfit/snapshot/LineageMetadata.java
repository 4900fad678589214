package io.streamfit.snapshot;

import static io.streamfit.snapshot.SnapshotCodec.exactLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot's {@link Lineage} in its metadata: {@code version}, {@code topic}, {@code positions}
 * and {@code consumed}, written by {@link SnapshotCodec#encode} and read back exactly (a number
 * beyond a long, a fraction or a string is refused as a format error). Positions are offsets of
 * the snapshot's topic: read for a spec that moved to another topic, they are empty, and that
 * topic starts from its committed group offsets instead.
 */
public final class LineageMetadata {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LineageMetadata() {}

    /** The lineage {@code meta} records, for a spec reading {@code topic}; {@code version} is the metadata's. */
    static Lineage read(Map<String, String> meta, long version, String topic) throws SnapshotFormatException {
        boolean sameTopic = topic.equals(meta.get("topic"));
        return new Lineage(version, sameTopic ? positions(meta.get("positions")) : Map.of(),
                sameTopic ? consumed(meta.get("consumed")) : Map.of());
    }

    static String positionsJson(Map<Integer, Position> positions) {
        ObjectNode n = JSON.createObjectNode();
        positions.forEach((p, pos) -> n.putObject(Integer.toString(p)).put("offset", pos.offset()).put("skip", pos.skip()));
        return n.toString();
    }

    static String consumedJson(Map<Integer, Long> consumed) {
        ObjectNode n = JSON.createObjectNode();
        consumed.forEach((p, o) -> n.put(Integer.toString(p), o));
        return n.toString();
    }

    /** {@code consumed} metadata: {@code {"<partition>": offset}}, every number exact. */
    public static Map<Integer, Long> consumed(String json) throws SnapshotFormatException {
        Map<Integer, Long> out = new TreeMap<>();
        try {
            JsonNode n = JSON.readTree(json == null ? "{}" : json);
            n.fields().forEachRemaining(e -> out.put(Integer.parseInt(e.getKey()), exactLong(e.getValue())));
        } catch (Exception e) {
            throw new SnapshotFormatException("metadata consumed is not valid: " + json);
        }
        return out;
    }

    /** {@code positions} metadata: {@code {"<partition>": {"offset": o, "skip": s}}}, every number exact. */
    public static Map<Integer, Position> positions(String json) throws SnapshotFormatException {
        Map<Integer, Position> out = new TreeMap<>();
        try {
            JsonNode n = JSON.readTree(json == null ? "{}" : json);
            for (var it = n.fields(); it.hasNext();) {
                var e = it.next();
                out.put(Integer.parseInt(e.getKey()), new Position(exactLong(e.getValue().get("offset")),
                        Math.toIntExact(exactLong(e.getValue().get("skip")))));
            }
        } catch (Exception e) {
            throw new SnapshotFormatException("metadata positions is not valid: " + json);
        }
        return out;
    }
}
