package dev.lifeline.runtime.files.image;

import dev.lifeline.runtime.format.ReplicaLayout;
import java.util.regex.Pattern;

/** Keys of file images and chunks at the root of a replica (FORMAT.md, "file images and chunks"). */
public final class ImageLayout {

    public static final String FILES = ReplicaLayout.META_ROOT + "files/";
    public static final String CHUNKS = FILES + "chunks/";
    private static final Pattern LINEAGE = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern NAME = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern IMAGE = Pattern.compile("([0-9a-f]{16})\\.json");

    private ImageLayout() {
    }

    /** {@code lifeline/v1/files/chunks/<first 2 hex>/<64 hex>}: 256 fan-out directories on a file replica. */
    public static String chunkKey(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a chunk name (64 lowercase hex): " + name);
        }
        return CHUNKS + name.substring(0, 2) + "/" + name;
    }

    /** The chunk name in a chunk key, or null. */
    static String nameOf(String key) {
        int slash = key.lastIndexOf('/');
        String n = key.substring(slash + 1);
        return key.startsWith(CHUNKS) && NAME.matcher(n).matches() ? n : null;
    }

    public static String imagesPrefix(String lineage) {
        if (!LINEAGE.matcher(lineage).matches()) {
            throw new IllegalArgumentException("not a lineage (16 lowercase hex): " + lineage);
        }
        return FILES + lineage + "/images/";
    }

    /** {@code lifeline/v1/files/<lineage>/images/<16 hex index>.json}; an empty journal's -1 is 16 f's. */
    public static String imageKey(String lineage, long journalIndex) {
        return imagesPrefix(lineage) + String.format("%016x", journalIndex) + ".json";
    }

    /** The journal index in an image key, or null when the key is not an image manifest. */
    static Long indexOf(String lineage, String key) {
        String p = imagesPrefix(lineage);
        if (!key.startsWith(p)) {
            return null;
        }
        var m = IMAGE.matcher(key.substring(p.length()));
        return m.matches() ? Long.parseUnsignedLong(m.group(1), 16) : null;
    }
}
