package dev.lifeline.runtime.wal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the live WAL file of a database. It hands out whole transactions only: bytes after the
 * last valid commit frame are never returned, and nothing after the first invalid frame is
 * trusted. Each call opens the file afresh, so a WAL that SQLite deleted or truncated in between
 * is seen as it is now.
 *
 * <p>One thread at a time (calls are synchronized): the read buffer and the frames of the
 * transaction being read are kept from call to call, because a replicator reads its WAL many
 * times a second and fresh buffers each time were most of the agent's garbage.
 */
public final class WalReader {

    private static final int READ_BUFFER = 1 << 16;

    private final Path walPath;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER);
    private PendingFrames pending;

    public WalReader(Path walPath) {
        this.walPath = walPath;
    }

    public Path path() {
        return walPath;
    }

    /** The current WAL header, or empty when the WAL is missing, short, or its header is invalid. */
    public Optional<WalHeader> readHeader() throws IOException {
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(WalHeader.SIZE);
            while (buf.hasRemaining()) {
                if (ch.read(buf, buf.position()) < 0) {
                    return Optional.empty();
                }
            }
            return WalHeader.parse(buf.array(), 0);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Current size of the WAL file, 0 when it does not exist. */
    public long size() throws IOException {
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            return ch.size();
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /**
     * Reads the whole transactions that follow {@code from}, writing their frame bytes to
     * {@code sink}, stopping at the first commit boundary past {@code maxBytes}.
     *
     * @param sink receives exactly {@code end.offset - start.offset} bytes on return; bytes of a
     *             transaction that is not complete are never written to it
     */
    public WalScan readTransactions(WalPosition from, long maxBytes, OutputStream sink) throws IOException {
        return readTransactions(from, maxBytes, Long.MAX_VALUE, sink);
    }

    /**
     * As {@link #readTransactions(WalPosition, long, OutputStream)}, never reading past the
     * commit that ends at {@code endLimit}: used to re-read exactly a range read before.
     */
    public synchronized WalScan readTransactions(WalPosition from, long maxBytes, long endLimit, OutputStream sink)
            throws IOException {
        WalFrameDecoder decoder = new WalFrameDecoder(from.header(), from.offset(), from.checksum());
        List<WalCommit> commits = new ArrayList<>();
        WalPosition end = from;
        boolean more = false;
        // Frames of a transaction are held back until its commit frame verifies, so the sink only
        // ever sees whole transactions.
        if (pending == null || pending.frameSize != from.header().frameSize()) {
            pending = new PendingFrames(from.header().frameSize());
        }
        pending.clear();
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            InputStream in = new ChannelInput(ch, from.offset(), readBuffer);
            int txFrames = 0;
            WalFrame f;
            while ((f = decoder.next(in)) != null) {
                pending.add(decoder.frameBytes());
                txFrames++;
                if (f.isCommit()) {
                    pending.drainTo(sink);
                    end = new WalPosition(from.header(), decoder.offset(), f.checksum());
                    commits.add(new WalCommit(decoder.offset(), f.commitDbSize(), txFrames, f.checksum()));
                    txFrames = 0;
                    if (end.offset() >= endLimit) {
                        break;
                    }
                    if (end.offset() - from.offset() >= maxBytes) {
                        more = true;
                        break;
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return new WalScan(from, from, List.of(), WalFrameDecoder.Stop.END_OF_INPUT, false);
        }
        boolean limited = end.offset() >= endLimit;
        return new WalScan(from, end, List.copyOf(commits), more || limited ? null : decoder.stop(), more);
    }

    /** Frames of the transaction being read, kept until its commit frame arrives. */
    private static final class PendingFrames {
        private static final int KEEP_AT_MOST = 4 << 20;

        private final int frameSize;
        private byte[] buf;
        private int len;

        PendingFrames(int frameSize) {
            this.frameSize = frameSize;
            this.buf = new byte[frameSize * 4];
        }

        void add(byte[] frame) {
            if (len + frameSize > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + frameSize));
            }
            System.arraycopy(frame, 0, buf, len, frameSize);
            len += frameSize;
        }

        void drainTo(OutputStream out) throws IOException {
            out.write(buf, 0, len);
            len = 0;
        }

        void clear() {
            len = 0;
            if (buf.length > KEEP_AT_MOST) {
                buf = new byte[frameSize * 4]; // one huge transaction does not pin its size forever
            }
        }
    }

    /** Sequential reads of a channel from a position, through a buffer the reader keeps. */
    private static final class ChannelInput extends InputStream {
        private final FileChannel ch;
        private final ByteBuffer buf;
        private long position;

        ChannelInput(FileChannel ch, long position, ByteBuffer buf) {
            this.ch = ch;
            this.position = position;
            this.buf = buf;
            buf.clear().flip(); // empty
        }

        @Override
        public int read() throws IOException {
            return fill() ? buf.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        /** Whether the buffer has bytes, reading the next ones if it has none. */
        private boolean fill() throws IOException {
            if (buf.hasRemaining()) {
                return true;
            }
            buf.clear();
            int n = ch.read(buf, position);
            buf.flip();
            if (n <= 0) {
                return false;
            }
            position += n;
            return true;
        }
    }
}
