package dev.lifeline.runtime.files.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Content-defined chunking with a FastCDC-style gear hash: {@code h = (h << 1) + GEAR[byte]},
 * a boundary where the top bits of {@code h} are all zero. Bit 63 of {@code h} depends on the last
 * 64 bytes only, so a boundary depends on a 64-byte window of content, never on its offset: an
 * insert or delete near the start of a big file moves the boundaries after it with the content
 * and changes only the chunk(s) around the edit.
 *
 * <p>Normalized chunking (FastCDC): before {@code avg} bytes a stricter test (two more bits must
 * be zero) and after it a looser one (two fewer), which keeps chunk sizes near {@code avg}.
 *
 * <p>The gear table is the first 8 bytes of SHA-256("lifeline gear " + i) for i = 0..255, so it
 * is the same in every version and on every JVM (the boundaries, and so deduplication, depend on
 * it; correctness does not).
 */
public final class ContentChunker {

    private static final long[] GEAR = gear();

    private final ChunkSizes sizes;
    private final long maskStrict;
    private final long maskLoose;

    public ContentChunker(ChunkSizes sizes) {
        this.sizes = sizes;
        int bits = Integer.numberOfTrailingZeros(sizes.avg());
        this.maskStrict = topBits(bits + 2);
        this.maskLoose = topBits(Math.max(1, bits - 2));
    }

    public ChunkSizes sizes() {
        return sizes;
    }

    private static long topBits(int n) {
        return n >= 64 ? -1L : -1L << (64 - n);
    }

    private static long[] gear() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long[] g = new long[256];
            for (int i = 0; i < 256; i++) {
                byte[] d = sha.digest(("lifeline gear " + i).getBytes(StandardCharsets.US_ASCII));
                long v = 0;
                for (int k = 0; k < 8; k++) {
                    v = (v << 8) | (d[k] & 0xff);
                }
                g[i] = v;
            }
            return g;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks SHA-256", e);
        }
    }

    /**
     * The length of the first chunk of {@code buf[off, off + len)}: a content boundary, or
     * {@code max}, or {@code len} when {@code len <= min} (the caller passes {@code len < max}
     * only at the end of the input).
     */
    public int cut(byte[] buf, int off, int len) {
        if (len <= sizes.min()) {
            return len;
        }
        int end = Math.min(len, sizes.max());
        int normal = Math.min(end, sizes.avg());
        long h = 0;
        int i = sizes.min();
        // The window before min is skipped; the hash fills within 64 bytes after it.
        for (; i < normal; i++) {
            h = (h << 1) + GEAR[buf[off + i] & 0xff];
            if ((h & maskStrict) == 0) {
                return i + 1;
            }
        }
        for (; i < end; i++) {
            h = (h << 1) + GEAR[buf[off + i] & 0xff];
            if ((h & maskLoose) == 0) {
                return i + 1;
            }
        }
        return end;
    }

    /** Receives each chunk; the array is reused after the call returns. */
    @FunctionalInterface
    public interface Sink {
        void chunk(byte[] buf, int off, int len) throws IOException;
    }

    /** Splits the whole of {@code in} into chunks; returns the bytes read. */
    public long split(InputStream in, Sink sink) throws IOException {
        byte[] buf = new byte[sizes.max()];
        int have = 0;
        long total = 0;
        boolean eof = false;
        while (true) {
            while (!eof && have < buf.length) {
                int n = in.read(buf, have, buf.length - have);
                if (n < 0) {
                    eof = true;
                } else {
                    have += n;
                    total += n;
                }
            }
            if (have == 0) {
                return total;
            }
            int c = cut(buf, 0, have);
            sink.chunk(buf, 0, c);
            System.arraycopy(buf, c, buf, 0, have - c);
            have -= c;
        }
    }
}
