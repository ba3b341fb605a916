package dev.lifeline.runtime.files.ship;

/**
 * Keys of the shipped journal at the root of a replica:
 * {@code lifeline/v1/files/<lineage>/journal/<first 16 hex>-<last 16 hex>.lz4} (the segment) and
 * {@code ....json} (its metadata). Fixed-width hex indexes make key order index order.
 */
public final class JournalLayout {

    public static final String FILES = "lifeline/v1/files/";

    private JournalLayout() {
    }

    public static String journalPrefix(String lineage) {
        return FILES + Lineage.check(lineage) + "/journal/";
    }

    public static String segmentKey(String lineage, long first, long last) {
        return journalPrefix(lineage) + name(first, last) + ".lz4";
    }

    public static String metaKey(String lineage, long first, long last) {
        return journalPrefix(lineage) + name(first, last) + ".json";
    }

    private static String name(long first, long last) {
        return String.format("%016x-%016x", first, last);
    }
}
