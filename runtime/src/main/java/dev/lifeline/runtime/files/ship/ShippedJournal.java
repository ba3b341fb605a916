package dev.lifeline.runtime.files.ship;

import dev.lifeline.runtime.format.Chain;
import dev.lifeline.runtime.format.Json;
import dev.lifeline.runtime.journal.JournalRecord;
import dev.lifeline.runtime.journal.JournalRecords;
import dev.lifeline.runtime.replica.ObjectInfo;
import dev.lifeline.runtime.replica.ReplicaClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The journal as shipped to one replica: lineages, and the verified records of one lineage in
 * index order. Verification follows the chain from the first segment: each metadata object must
 * name the previous segment's hash, its segment must hash to its own, decode, and hold exactly
 * the records the metadata announces, after the previous segment's last index. At the first
 * break, reading stops: {@link Result#damage()} says where and why, and everything before it is
 * verified.
 */
public final class ShippedJournal {

    /**
     * What a read saw: records handed out, the last verified index, the damage that stopped it (or
     * null), and the verified records this version could not decode (a record type added by a
     * newer agent): {@link #read} skips those, {@link #readEntries} hands them out.
     */
    public record Result(long records, long segments, long lastIndex, String damage, List<String> undecoded) {
        public Result(long records, long segments, long lastIndex, String damage) {
            this(records, segments, lastIndex, damage, List.of());
        }
    }

    private final ReplicaClient replica;

    public ShippedJournal(ReplicaClient replica) {
        this.replica = replica;
    }

    /** Lineages with shipped journal segments, in key order. */
    public List<String> lineages() throws IOException {
        TreeSet<String> out = new TreeSet<>();
        for (ObjectInfo o : replica.list(JournalLayout.FILES)) {
            String rest = o.key().substring(JournalLayout.FILES.length());
            int slash = rest.indexOf('/');
            if (slash == 16 && rest.startsWith("journal/", slash + 1)) {
                out.add(rest.substring(0, slash));
            }
        }
        return new ArrayList<>(out);
    }

    /** The verified segment metadata of {@code lineage}, in chain order (does not read the segments). */
    public List<JournalSegmentMeta> metas(String lineage) throws IOException {
        List<JournalSegmentMeta> out = new ArrayList<>();
        for (ObjectInfo o : replica.list(JournalLayout.journalPrefix(lineage))) {
            if (o.key().endsWith(".json")) {
                out.add(Json.read(replica.getBytes(o.key()), JournalSegmentMeta.class));
            }
        }
        return out;
    }

    /**
     * Hands the verified records of {@code lineage} up to {@code toIndex} (inclusive) to
     * {@code sink}, in index order.
     */
    public Result read(String lineage, long toIndex, Consumer<JournalRecord> sink) throws IOException {
        List<String> undecoded = new ArrayList<>();
        Result r = readEntries(lineage, toIndex, e -> {
            JournalRecord rec;
            try {
                rec = JournalRecords.decode(e.index(), e.encoded());
            } catch (RuntimeException x) {
                undecoded.add(x.getMessage());
                return;
            }
            sink.accept(rec);
        });
        return new Result(r.records() - undecoded.size(), r.segments(), r.lastIndex(), r.damage(), undecoded);
    }

    /**
     * Hands the verified records of {@code lineage} up to {@code toIndex} (inclusive) to
     * {@code sink} in their journal encoding, in index order.
     */
    public Result readEntries(String lineage, long toIndex, Consumer<JournalSegment.Entry> sink) throws IOException {
        String prefix = JournalLayout.journalPrefix(lineage);
        List<String> metaKeys = new ArrayList<>();
        for (ObjectInfo o : replica.list(prefix)) {
            if (o.key().endsWith(".json")) {
                metaKeys.add(o.key());
            }
        }
        String prevSha = "";
        long prevLast = -1;
        long records = 0;
        long segments = 0;
        for (String key : metaKeys) {
            String where = "journal segment " + key.substring(prefix.length(), key.length() - ".json".length());
            JournalSegmentMeta m;
            try {
                m = Json.read(replica.getBytes(key), JournalSegmentMeta.class);
            } catch (IOException | RuntimeException e) {
                return new Result(records, segments, prevLast, where + ": its metadata cannot be read: " + e.getMessage());
            }
            if (m.format() != JournalSegmentMeta.FORMAT || m.sha256() == null || m.prevSha256() == null
                    || m.firstIndex() > m.lastIndex() || m.records() <= 0) {
                return new Result(records, segments, prevLast, where + ": its metadata is not a format "
                        + JournalSegmentMeta.FORMAT + " journal segment's (a field is missing or out of range)");
            }
            if (m.firstIndex() > toIndex) {
                break;
            }
            if (!prevSha.equals(m.prevSha256())) {
                return new Result(records, segments, prevLast, where + ": the chain is broken (it follows "
                        + (m.prevSha256().isEmpty() ? "nothing" : m.prevSha256()) + ", the previous segment is "
                        + (prevSha.isEmpty() ? "nothing" : prevSha) + "): a segment is missing or was replaced");
            }
            if (m.firstIndex() <= prevLast) {
                return new Result(records, segments, prevLast, where + ": starts at index "
                        + Long.toHexString(m.firstIndex()) + ", not after " + Long.toHexString(prevLast));
            }
            byte[] data;
            try {
                data = replica.getBytes(JournalLayout.segmentKey(lineage, m.firstIndex(), m.lastIndex()));
            } catch (IOException e) {
                return new Result(records, segments, prevLast, where + ": its data cannot be read: " + e);
            }
            String sha = Chain.sha256Hex(data, 0, data.length);
            if (!sha.equals(m.sha256())) {
                return new Result(records, segments, prevLast, where + ": its data hashes to " + sha
                        + ", its metadata says " + m.sha256() + " (damaged or replaced)");
            }
            List<JournalSegment.Entry> entries;
            try {
                entries = JournalSegment.decode(data);
                if (entries.size() != m.records() || entries.get(0).index() != m.firstIndex()
                        || entries.get(entries.size() - 1).index() != m.lastIndex()) {
                    throw new IOException("it holds " + entries.size() + " records, its metadata says " + m.records()
                            + " from " + Long.toHexString(m.firstIndex()) + " to " + Long.toHexString(m.lastIndex()));
                }
            } catch (IOException | RuntimeException e) {
                return new Result(records, segments, prevLast, where + ": cannot be decoded: " + e.getMessage());
            }
            for (JournalSegment.Entry r : entries) {
                if (r.index() > toIndex) {
                    return new Result(records, segments + 1, prevLast, null);
                }
                sink.accept(r);
                records++;
                prevLast = r.index();
            }
            segments++;
            prevSha = m.sha256();
        }
        return new Result(records, segments, prevLast, null);
    }
}
