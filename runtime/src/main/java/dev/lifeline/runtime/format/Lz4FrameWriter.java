package dev.lifeline.runtime.format;

import java.util.Arrays;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.xxhash.XXHash32;

/**
 * Writes whole buffers as one LZ4 frame, the same bytes {@link Lz4#compressingStream} writes
 * (64 KiB independent blocks, content checksum, no content size), into a work buffer it keeps.
 *
 * <p>Why not the stream: a replicator compresses a segment several times a second, and
 * {@code LZ4FrameOutputStream} allocates its block buffers per frame and its output grows by
 * copying; together they were most of what a replicator still allocated. The blocks and hashes
 * are lz4-java's; only the frame layout (LZ4 frame format 1.6.x: magic, FLG, BD, header checksum,
 * blocks, end mark, content checksum) is written here. One thread at a time.
 */
public final class Lz4FrameWriter {

    private static final int MAGIC = 0x184D2204;
    /** Version 01, independent blocks, content checksum. */
    private static final byte FLG = 0x40 | 0x20 | 0x04;
    /** Block maximum size 64 KiB. */
    private static final byte BD = 0x40;
    private static final int BLOCK = 64 << 10;
    private static final int UNCOMPRESSED = 0x80000000;
    private static final int KEEP_AT_MOST = 4 << 20;

    private final LZ4Compressor compressor;
    private final XXHash32 xxhash;
    private final byte headerChecksum;
    private byte[] work = new byte[0];

    Lz4FrameWriter(LZ4Compressor compressor, XXHash32 xxhash) {
        this.compressor = compressor;
        this.xxhash = xxhash;
        this.headerChecksum = (byte) (xxhash.hash(new byte[] {FLG, BD}, 0, 2, 0) >> 8);
    }

    /** {@code len} bytes of {@code src} from {@code off} as one LZ4 frame, in a new array of its exact size. */
    public byte[] compress(byte[] src, int off, int len) {
        int blocks = Math.max(1, (len + BLOCK - 1) / BLOCK);
        int max = 7 + blocks * (4 + compressor.maxCompressedLength(BLOCK)) + 8;
        if (work.length < max) {
            work = new byte[max];
        }
        int p = 0;
        p = intLe(work, p, MAGIC);
        work[p++] = FLG;
        work[p++] = BD;
        work[p++] = headerChecksum;
        for (int at = off, end = off + len; at < end; at += BLOCK) {
            int n = Math.min(BLOCK, end - at);
            int room = work.length - p - 4;
            int c = compressor.compress(src, at, n, work, p + 4, room);
            if (c >= n) {
                // Incompressible: the block is stored as it is, flagged by the size's high bit.
                intLe(work, p, n | UNCOMPRESSED);
                System.arraycopy(src, at, work, p + 4, n);
                p += 4 + n;
            } else {
                intLe(work, p, c);
                p += 4 + c;
            }
        }
        p = intLe(work, p, 0); // end mark
        p = intLe(work, p, xxhash.hash(src, off, len, 0));
        byte[] out = Arrays.copyOf(work, p);
        if (work.length > KEEP_AT_MOST) {
            work = new byte[0]; // one huge segment does not pin its size forever
        }
        return out;
    }

    private static int intLe(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >>> 8);
        b[p + 2] = (byte) (v >>> 16);
        b[p + 3] = (byte) (v >>> 24);
        return p + 4;
    }
}
