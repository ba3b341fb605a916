package dev.lifeline.runtime.format;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Object keys of a replica. The database part is Litestream 0.3's layout, so either tool can
 * restore the other's replicas; Lifeline's own metadata sits under {@code lifeline/}, a prefix
 * Litestream never lists. See docs/FORMAT.md.
 */
public final class ReplicaLayout {

    public static final String GENERATIONS = "generations/";
    public static final String META_ROOT = "lifeline/v1/";

    private static final Pattern GENERATION = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern SNAPSHOT = Pattern.compile(
            "generations/([0-9a-f]{16})/snapshots/([0-9a-f]{8})\\.snapshot\\.lz4");
    private static final Pattern SEGMENT = Pattern.compile(
            "generations/([0-9a-f]{16})/wal/([0-9a-f]{8})_([0-9a-f]{8})\\.wal\\.lz4");

    private final String prefix;

    /** @param prefix a sub-prefix inside the replica ("" for its root; otherwise ends with '/') */
    public ReplicaLayout(String prefix) {
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    public String generationsPrefix() {
        return prefix + GENERATIONS;
    }

    public String generationPrefix(String generation) {
        return prefix + GENERATIONS + generation + "/";
    }

    public String snapshotKey(String generation, int index) {
        return prefix + String.format("generations/%s/snapshots/%08x.snapshot.lz4", generation, index);
    }

    public String segmentKey(String generation, int index, long offset) {
        return prefix + String.format("generations/%s/wal/%08x_%08x.wal.lz4", generation, index, offset);
    }

    public String metaPrefix() {
        return prefix + META_ROOT;
    }

    public String generationMetaKey(String generation) {
        return prefix + META_ROOT + "generations/" + generation + "/generation.json";
    }

    public String snapshotMetaKey(String generation, int index) {
        return prefix + String.format("%sgenerations/%s/snapshots/%08x.json", META_ROOT, generation, index);
    }

    public String segmentMetaKey(String generation, int index, long offset) {
        return prefix + String.format("%sgenerations/%s/wal/%08x_%08x.json", META_ROOT, generation, index, offset);
    }

    public static boolean isGeneration(String s) {
        return GENERATION.matcher(s).matches();
    }

    /** A key of the Litestream-compatible part, parsed. */
    public sealed interface Parsed permits Parsed.Snapshot, Parsed.Segment {
        String generation();

        int index();

        record Snapshot(String generation, int index) implements Parsed {
        }

        record Segment(String generation, int index, long offset) implements Parsed {
        }
    }

    /** Parses a key (relative to the replica root); empty for keys that are not ours. */
    public Optional<Parsed> parse(String key) {
        if (!key.startsWith(prefix)) {
            return Optional.empty();
        }
        String rel = key.substring(prefix.length());
        Matcher m = SNAPSHOT.matcher(rel);
        if (m.matches()) {
            return Optional.of(new Parsed.Snapshot(m.group(1), Integer.parseUnsignedInt(m.group(2), 16)));
        }
        m = SEGMENT.matcher(rel);
        if (m.matches()) {
            return Optional.of(new Parsed.Segment(m.group(1), Integer.parseUnsignedInt(m.group(2), 16),
                    Long.parseLong(m.group(3), 16)));
        }
        return Optional.empty();
    }
}
