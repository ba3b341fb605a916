package dev.lifeline.runtime.files.ship;

import dev.lifeline.runtime.format.Lz4;
import dev.lifeline.runtime.format.Lz4FrameWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The content of one journal segment, before compression: records in index order, each
 * <pre>
 * long   journal index (big-endian)
 * int    length of the record (big-endian)
 * bytes  the record in the journal's encoding (JournalCodec)
 * </pre>
 * The stored object is this content as one standard LZ4 frame (the {@code lz4} tool decodes it).
 */
public final class JournalSegment {

    /** A record of the journal in its encoding, with its index. */
    public record Entry(long index, byte[] encoded) {
    }

    private JournalSegment() {
    }

    /** Accumulates entries into the uncompressed content of a segment. */
    public static final class Builder {
        private byte[] buf = new byte[64 * 1024];
        private int size;
        private int count;
        private long first = -1;
        private long last = -1;
        private long firstTime;
        private long lastTime;

        public void add(long index, byte[] encoded, long timeNanos) {
            if (count > 0 && index <= last) {
                throw new IllegalArgumentException("journal index " + index + " after " + last);
            }
            ensure(12 + encoded.length);
            ByteBuffer.wrap(buf, size, 12).order(ByteOrder.BIG_ENDIAN).putLong(index).putInt(encoded.length);
            System.arraycopy(encoded, 0, buf, size + 12, encoded.length);
            size += 12 + encoded.length;
            if (count == 0) {
                first = index;
                firstTime = timeNanos;
            }
            last = index;
            lastTime = timeNanos;
            count++;
        }

        private void ensure(int more) {
            if (size + more > buf.length) {
                byte[] n = new byte[Math.max(buf.length * 2, size + more)];
                System.arraycopy(buf, 0, n, 0, size);
                buf = n;
            }
        }

        public int size() {
            return size;
        }

        public int count() {
            return count;
        }

        public long first() {
            return first;
        }

        public long last() {
            return last;
        }

        public long firstTime() {
            return firstTime;
        }

        public long lastTime() {
            return lastTime;
        }

        public byte[] compress(Lz4FrameWriter lz4) {
            return lz4.compress(buf, 0, size);
        }

        public void clear() {
            size = 0;
            count = 0;
            first = -1;
            last = -1;
        }
    }

    /** Decodes a stored segment object (an LZ4 frame); throws IOException naming what is wrong. */
    public static List<Entry> decode(byte[] stored) throws IOException {
        byte[] raw = Lz4.decompress(stored);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN);
        List<Entry> out = new ArrayList<>();
        long prev = Long.MIN_VALUE;
        while (b.hasRemaining()) {
            if (b.remaining() < 12) {
                throw new IOException("segment content ends inside a record header at byte " + b.position());
            }
            long index = b.getLong();
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                throw new IOException("record " + Long.toHexString(index) + " claims " + len + " bytes, "
                        + b.remaining() + " remain");
            }
            if (!out.isEmpty() && index <= prev) {
                throw new IOException("record index " + Long.toHexString(index) + " does not follow "
                        + Long.toHexString(prev));
            }
            byte[] rec = new byte[len];
            b.get(rec);
            out.add(new Entry(index, rec));
            prev = index;
        }
        return out;
    }
}
