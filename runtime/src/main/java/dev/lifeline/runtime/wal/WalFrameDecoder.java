package dev.lifeline.runtime.wal;

import java.io.IOException;
import java.io.InputStream;

/**
 * Decodes WAL frames one by one from a sequential stream, verifying salts and the cumulative
 * checksum. It never advances past an invalid frame: after {@link #next} returns null the
 * position and checksum still describe the last valid frame, and {@link #stop()} says why.
 * Used both on the live WAL file and on replica segments, so both paths trust exactly the same
 * bytes.
 */
public final class WalFrameDecoder {

    /** Why decoding stopped. */
    public enum Stop {
        /** The input ended exactly on a frame boundary. */
        END_OF_INPUT,
        /** The input ended inside a frame (a write in progress, or a truncated file). */
        PARTIAL_FRAME,
        /** A frame carries other salts: stale bytes from an earlier lifetime of the WAL. */
        SALT_MISMATCH,
        /** A frame's checksum does not continue the chain: torn, corrupt or stale. */
        CHECKSUM_MISMATCH,
        /** A frame names page 0, which SQLite never writes. */
        INVALID_PAGE_NUMBER
    }

    private final WalHeader header;
    private final boolean bigEndian;
    private final byte[] frame;
    private long offset;
    private WalChecksum checksum;
    private Stop stop;

    /**
     * @param offset   byte offset in the WAL of the next frame (32 for the first frame)
     * @param checksum running checksum after the frame before {@code offset}; for the first frame,
     *                 the header's checksum
     */
    public WalFrameDecoder(WalHeader header, long offset, WalChecksum checksum) {
        if (!header.isFrameBoundary(offset)) {
            throw new IllegalArgumentException("offset " + offset + " is not a frame boundary for page size "
                    + header.pageSize());
        }
        this.header = header;
        this.bigEndian = header.bigEndianChecksum();
        this.frame = new byte[header.frameSize()];
        this.offset = offset;
        this.checksum = checksum;
    }

    /** Reads and verifies the next frame, or returns null (see {@link #stop()}). */
    public WalFrame next(InputStream in) throws IOException {
        if (stop != null) {
            return null;
        }
        int n = in.readNBytes(frame, 0, frame.length);
        if (n == 0) {
            stop = Stop.END_OF_INPUT;
            return null;
        }
        if (n < frame.length) {
            stop = Stop.PARTIAL_FRAME;
            return null;
        }
        return verify(frame, 0);
    }

    /**
     * Verifies the frame at {@code off} of {@code src} in place (no copy), or returns null (see
     * {@link #stop()}); {@code end} is where the input ends.
     */
    public WalFrame next(byte[] src, int off, int end) {
        if (stop != null) {
            return null;
        }
        if (off == end) {
            stop = Stop.END_OF_INPUT;
            return null;
        }
        if (end - off < frame.length) {
            stop = Stop.PARTIAL_FRAME;
            return null;
        }
        return verify(src, off);
    }

    private WalFrame verify(byte[] frame, int at) {
        int pgno = WalChecksum.be(frame, at);
        int commit = WalChecksum.be(frame, at + 4);
        int salt1 = WalChecksum.be(frame, at + 8);
        int salt2 = WalChecksum.be(frame, at + 12);
        if (salt1 != header.salt1() || salt2 != header.salt2()) {
            stop = Stop.SALT_MISMATCH;
            return null;
        }
        if (pgno == 0) {
            stop = Stop.INVALID_PAGE_NUMBER;
            return null;
        }
        WalChecksum c = checksum.update(bigEndian, frame, at, 8)
                .update(bigEndian, frame, at + WalFrame.HEADER_SIZE, header.pageSize());
        if (c.s1() != WalChecksum.be(frame, at + 16) || c.s2() != WalChecksum.be(frame, at + 20)) {
            stop = Stop.CHECKSUM_MISMATCH;
            return null;
        }
        WalFrame f = new WalFrame(offset, pgno, commit, c);
        checksum = c;
        offset += header.frameSize();
        return f;
    }

    /** The bytes (24-byte frame header, then the page) of the frame {@link #next} last returned. */
    public byte[] frameBytes() {
        return frame;
    }

    public int pageOffsetInFrame() {
        return WalFrame.HEADER_SIZE;
    }

    /** Offset of the next frame to read. */
    public long offset() {
        return offset;
    }

    /** Checksum after the last valid frame. */
    public WalChecksum checksum() {
        return checksum;
    }

    public Stop stop() {
        return stop;
    }

    public WalHeader header() {
        return header;
    }
}
