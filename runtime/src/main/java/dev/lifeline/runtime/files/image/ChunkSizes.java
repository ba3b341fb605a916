package dev.lifeline.runtime.files.image;

/**
 * Bounds of content-defined chunks, in bytes. {@code avg} must be a power of two.
 *
 * @param min no boundary is looked for before this many bytes (cheap: the hash is not even updated)
 * @param avg the expected chunk size between {@code min} and {@code max}
 * @param max a chunk is cut here whatever the content (bounds memory per chunk)
 */
public record ChunkSizes(int min, int avg, int max) {

    /**
     * restic's sizes: 512 KiB / 1 MiB / 8 MiB. A chunk costs one request and ~100 bytes of
     * manifest; at 1 MiB average a 1 GiB tree is ~1,000 objects, and a changed byte re-uploads
     * about 1 MiB. Smaller chunks would dedupe edits more finely at the price of more requests
     * (S3 charges per request) and a bigger manifest; agent memory files are mostly small (whole
     * files are single chunks anyway) or large indexes rewritten in place.
     */
    public static final ChunkSizes DEFAULT = new ChunkSizes(512 * 1024, 1024 * 1024, 8 * 1024 * 1024);

    public ChunkSizes {
        if (min < 64 || avg <= min || max <= avg || Integer.bitCount(avg) != 1) {
            throw new IllegalArgumentException("chunk sizes must satisfy 64 <= min < avg < max with avg a power of two: "
                    + min + "/" + avg + "/" + max);
        }
    }
}
