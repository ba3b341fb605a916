package dev.lifeline.runtime.catalog;

import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.format.ReplicaLayout;
import dev.lifeline.runtime.format.SegmentMeta;
import dev.lifeline.runtime.format.SnapshotMeta;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The databases of a shared replica: each lives under its own sub-prefix {@code <base><name>/}
 * and is named by its {@link DatabaseMarker}. One listing of the base prefix finds them all.
 */
public final class DatabaseCatalog {

    private static final System.Logger LOG = System.getLogger("dev.lifeline.catalog");
    /** What a marker's key ends with, after {@code <base><name>}. */
    public static final String MARKER_SUFFIX = "/" + ReplicaLayout.META_ROOT + "database.json";

    private DatabaseCatalog() {
    }

    /** What the replica holds for one database: its marker and, if any, its newest generation. */
    public record Summary(DatabaseMarker marker, String generation, Long lastTxid, Instant updated) {
    }

    /** A base prefix as keys use it: "" for the replica's root, otherwise ending with '/'. */
    public static String base(String prefix) {
        String p = prefix == null ? "" : prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }

    public static String markerKey(String basePrefix, String name) {
        return base(basePrefix) + name + MARKER_SUFFIX;
    }

    /** The layout of database {@code name} under the base prefix. */
    public static ReplicaLayout layout(String basePrefix, String name) {
        return new ReplicaLayout(base(basePrefix) + name + "/");
    }

    /**
     * The markers of every database directly below {@code basePrefix}, by name. A marker that
     * cannot be read (damaged, or a format this version does not know) is skipped with a warning.
     */
    public static List<DatabaseMarker> list(ReplicaClient client, String basePrefix) throws IOException {
        return markers(client, base(basePrefix), client.list(base(basePrefix)));
    }

    /**
     * Every database with its newest generation and last txid, from the same single listing plus
     * one small read per database (its newest segment's metadata); {@code generation} is null for
     * a database with no data yet, {@code lastTxid} null when the metadata cannot tell.
     */
    public static List<Summary> summaries(ReplicaClient client, String basePrefix) throws IOException {
        String base = base(basePrefix);
        List<ObjectInfo> all = client.list(base);
        List<Summary> out = new ArrayList<>();
        for (DatabaseMarker m : markers(client, base, all)) {
            out.add(summarize(client, layout(base, m.name()), m, all));
        }
        return out;
    }

    /** The marker of database {@code name}, if the replica has one (one read, no listing). */
    public static Optional<DatabaseMarker> read(ReplicaClient client, String basePrefix, String name)
            throws IOException {
        try {
            return Optional.of(parse(client.getBytes(markerKey(basePrefix, name))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Parses a marker, refusing a format this version does not know. */
    static DatabaseMarker parse(byte[] json) throws IOException {
        DatabaseMarker m = Json.read(json, DatabaseMarker.class);
        if (m.format() != DatabaseMarker.FORMAT) {
            throw new IOException("database marker has format " + m.format() + ", this version reads format "
                    + DatabaseMarker.FORMAT);
        }
        if (m.name() == null || m.path() == null) {
            throw new IOException("database marker lacks its name or path");
        }
        return m;
    }

    private static List<DatabaseMarker> markers(ReplicaClient client, String base, List<ObjectInfo> all)
            throws IOException {
        Map<String, DatabaseMarker> byName = new TreeMap<>();
        for (ObjectInfo o : all) {
            String rel = o.key().substring(base.length());
            if (!rel.endsWith(MARKER_SUFFIX)) {
                continue;
            }
            String name = rel.substring(0, rel.length() - MARKER_SUFFIX.length());
            if (name.isEmpty() || name.contains("/")) {
                continue; // the base prefix's own marker, or one nested deeper: not a database of this base
            }
            DatabaseMarker m;
            try {
                m = parse(client.getBytes(o.key()));
            } catch (NoSuchFileException e) {
                continue; // deleted since the listing
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "database marker {0} in {1} is unreadable, skipped: {2}", o.key(),
                        client.describe(), e.getMessage());
                continue;
            }
            // The key decides which sub-prefix holds the data (a copied prefix keeps its old marker).
            byName.put(name, name.equals(m.name()) ? m
                    : new DatabaseMarker(m.format(), name, m.path(), m.host(), m.created()));
        }
        return List.copyOf(byName.values());
    }

    /** The newest generation of one database: the one whose newest object is newest. */
    private static Summary summarize(ReplicaClient client, ReplicaLayout layout, DatabaseMarker m,
                                     List<ObjectInfo> all) {
        Map<String, Instant> newest = new HashMap<>();
        Map<String, ReplicaLayout.Parsed.Segment> lastSegment = new HashMap<>();
        Map<String, ReplicaLayout.Parsed.Snapshot> lastSnapshot = new HashMap<>();
        Comparator<ReplicaLayout.Parsed.Segment> bySegment = Comparator
                .comparingInt(ReplicaLayout.Parsed.Segment::index)
                .thenComparingLong(ReplicaLayout.Parsed.Segment::offset);
        for (ObjectInfo o : all) {
            Optional<ReplicaLayout.Parsed> p = layout.parse(o.key());
            if (p.isEmpty()) {
                continue;
            }
            String g = p.get().generation();
            newest.merge(g, o.modified(), (a, b) -> a.isAfter(b) ? a : b);
            if (p.get() instanceof ReplicaLayout.Parsed.Segment s) {
                lastSegment.merge(g, s, (a, b) -> bySegment.compare(a, b) >= 0 ? a : b);
            } else if (p.get() instanceof ReplicaLayout.Parsed.Snapshot s) {
                lastSnapshot.merge(g, s, (a, b) -> a.index() >= b.index() ? a : b);
            }
        }
        Optional<Map.Entry<String, Instant>> head = newest.entrySet().stream().max(Map.Entry.comparingByValue());
        if (head.isEmpty()) {
            return new Summary(m, null, null, null);
        }
        String g = head.get().getKey();
        Long txid = null;
        try {
            ReplicaLayout.Parsed.Segment s = lastSegment.get(g);
            if (s != null) {
                txid = Json.read(client.getBytes(layout.segmentMetaKey(g, s.index(), s.offset())), SegmentMeta.class)
                        .lastTxid();
            } else {
                ReplicaLayout.Parsed.Snapshot s0 = lastSnapshot.get(g);
                txid = Json.read(client.getBytes(layout.snapshotMetaKey(g, s0.index())), SnapshotMeta.class).txid();
            }
        } catch (IOException | RuntimeException e) {
            // No Lifeline metadata (a Litestream-written database) or unreadable: the txid is unknown.
            LOG.log(Level.DEBUG, "no txid for {0}: {1}", layout.prefix(), e.getMessage());
        }
        return new Summary(m, g, txid, head.get().getValue());
    }
}
