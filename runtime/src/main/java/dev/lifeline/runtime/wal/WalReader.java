package dev.lifeline.runtime.wal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
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
 */
public final class WalReader {

    private static final int READ_BUFFER = 1 << 16;

    private final Path walPath;

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
    public WalScan readTransactions(WalPosition from, long maxBytes, long endLimit, OutputStream sink)
            throws IOException {
        WalFrameDecoder decoder = new WalFrameDecoder(from.header(), from.offset(), from.checksum());
        List<WalCommit> commits = new ArrayList<>();
        WalPosition end = from;
        boolean more = false;
        // Frames of a transaction are held back until its commit frame verifies, so the sink only
        // ever sees whole transactions.
        PendingFrames pending = new PendingFrames(from.header().frameSize());
        try (FileChannel ch = FileChannel.open(walPath, StandardOpenOption.READ)) {
            ch.position(from.offset());
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch), READ_BUFFER);
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
    }
}
