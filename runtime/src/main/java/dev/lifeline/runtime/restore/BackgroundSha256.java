package dev.lifeline.runtime.restore;

import dev.lifeline.runtime.format.Chain;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * SHA-256 of a stream of chunks, computed on its own thread while the caller produces the next
 * chunk: hashing a 1 GiB snapshot took about as long as decompressing and writing it. The caller
 * takes a free buffer, fills it, hands it over with {@link #hash}, and the buffer returns to the
 * pool once hashed, so memory stays at {@code buffers × chunkSize}.
 */
final class BackgroundSha256 implements AutoCloseable {

    private record Chunk(byte[] data, int length) {
    }

    private static final Chunk END = new Chunk(new byte[0], -1);

    private final BlockingQueue<byte[]> free;
    private final BlockingQueue<Chunk> full;
    private final MessageDigest md = Chain.sha256();
    private final Thread thread;
    private volatile String hex;

    BackgroundSha256(int chunkSize, int buffers) {
        free = new ArrayBlockingQueue<>(buffers);
        full = new ArrayBlockingQueue<>(buffers + 1);
        for (int i = 0; i < buffers; i++) {
            free.add(new byte[chunkSize]);
        }
        thread = new Thread(this::run, "lifeline-restore-sha256");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            for (Chunk c = full.take(); c != END; c = full.take()) {
                md.update(c.data(), 0, c.length());
                free.add(c.data());
            }
            hex = HexFormat.of().formatHex(md.digest());
        } catch (InterruptedException e) {
            // closed before the end: nobody waits for the hash
        }
    }

    /** A buffer to fill (waits while every buffer is queued for hashing). */
    byte[] buffer() throws IOException {
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
    }

    /** Hashes {@code buf[0, length)} after everything handed over before; {@code buf} is ours again. */
    void hash(byte[] buf, int length) throws IOException {
        try {
            full.put(new Chunk(buf, length));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
    }

    /** Returns an unused buffer to the pool. */
    void giveBack(byte[] buf) {
        free.add(buf);
    }

    /** The lowercase hex SHA-256 of everything handed over. */
    String finish() throws IOException {
        try {
            full.put(END);
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
        return hex;
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
