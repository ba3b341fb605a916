package dev.lifeline.runtime.files.image;

import java.time.Instant;
import java.util.List;

/**
 * One base image of the watched trees (FORMAT.md, "file images and chunks"): stored as plain JSON
 * (not LZ4: a few hundred bytes per file, and readable with any tool) under
 * {@link ImageLayout#imageKey}.
 *
 * @param format       {@value #FORMAT}
 * @param lineage      the journal history this image belongs to
 * @param journalIndex the journal's last index before the walk began (-1 for an empty journal):
 *                     every change with an index at or below it is in the image; restore replays
 *                     the records after it (exclusive)
 * @param time         when the walk began
 * @param chunkNaming  {@code sha256} or {@code hmac-sha256:<key id>} ({@link ChunkNaming})
 * @param roots        each watched root as the walk found it
 */
public record ImageManifest(int format, String lineage, long journalIndex, Instant time, String chunkNaming,
                            List<Root> roots) {

    public static final int FORMAT = 1;

    public ImageManifest {
        roots = List.copyOf(roots);
    }

    /**
     * @param path    the absolute path of the watched root on the host
     * @param entries every directory and regular file under it (not the root itself), parents before
     *                children; symbolic links and special files are not imaged
     */
    public record Root(String path, List<Entry> entries) {
        public Root {
            entries = List.copyOf(entries);
        }
    }

    /**
     * @param path   relative to the root, '/'-separated, normalized
     * @param type   {@value #FILE} or {@value #DIR}
     * @param size   bytes of a file (the sum of its chunks' sizes), 0 for a directory
     * @param chunks the names of a file's chunks in order (empty for an empty file or a directory)
     */
    public record Entry(String path, String type, long size, List<String> chunks) {
        public static final String FILE = "file";
        public static final String DIR = "dir";

        public Entry {
            chunks = chunks == null ? List.of() : List.copyOf(chunks);
        }
    }
}
